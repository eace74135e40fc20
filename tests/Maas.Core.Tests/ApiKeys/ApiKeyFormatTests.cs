using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Maas.ApiKeys;
using Maas.Validation;

namespace Maas.Core.Tests.ApiKeys;

public sealed partial class ApiKeyFormatTests
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    [Fact]
    public void Generated_key_has_the_documented_shape()
    {
        var generated = ApiKeyFormat.Generate();

        Assert.Matches(KeyPattern(), generated.Key);
        Assert.Equal(75, generated.Key.Length);
        Assert.Equal(ApiKeyFormat.Length, generated.Key.Length);
        Assert.Equal(ApiKeyFormat.PrefixLength, ApiKeyFormat.Prefix.Length);
        Assert.Equal(17, generated.KeyId.Length);
        Assert.Equal(generated.Key.Substring(8, 17), generated.KeyId);
        Assert.Equal('_', generated.Key[25]);
    }

    [Fact]
    public void Check_of_a_fixed_key_is_the_one_the_wire_format_has_always_had()
    {
        // Computed outside .NET (Python's zlib.crc32), so a change of checksum cannot go unnoticed.
        const string Key = "sk-maas-0123456789ABCDEFG_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG3xFEBW";

        Assert.True(ApiKeyFormat.TryParse(Key, out var keyId, new byte[ApiKeyFormat.HashLength], out var failure), failure.ToString());
        Assert.Equal("0123456789ABCDEFG", keyId);
        Assert.Equal(Key, WithCheck(Key[..69]));
    }

    [Fact]
    public void Check_is_the_base62_CRC32_of_everything_before_it()
    {
        var key = ApiKeyFormat.Generate().Key;
        var crc = System.IO.Hashing.Crc32.HashToUInt32(Encoding.UTF8.GetBytes(key[..69]));

        var expected = "";
        for (var i = 0; i < 6; i++, crc /= 62)
        {
            expected = Alphabet[(int)(crc % 62)] + expected;
        }

        Assert.Equal(expected, key[69..]);
    }

    [Fact]
    public void Hash_is_SHA256_of_key_id_zero_byte_and_secret()
    {
        var generated = ApiKeyFormat.Generate();
        var secret = generated.Key.Substring(26, 43);

        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(generated.KeyId + "\0" + secret));

        Assert.Equal(expected, generated.Hash);
        Assert.Equal(expected, ApiKeyFormat.ComputeHash(generated.KeyId, secret));
    }

    [Fact]
    public void Hash_is_stable()
    {
        Assert.Equal(
            "516a5e926ce20c5f4d80f00e1a01abdf14986def6588d6abeed9fce090bc660c",
            Convert.ToHexStringLower(ApiKeyFormat.ComputeHash("abc", "def")));
        Assert.Equal(
            "c128d1cdc9e443c2b65dc66ec5e69a895309f1d70ebd085b21320476ef694628",
            Convert.ToHexStringLower(ApiKeyFormat.ComputeHash("1f2SI9UJPXvb7vdJ1", "yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp1")));
    }

    [Theory]
    [InlineData("sk-maas-1f2SI9UJPXvb7vdJ1_yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp10hOP0a", "1f2SI9UJPXvb7vdJ1", "c128d1cdc9e443c2b65dc66ec5e69a895309f1d70ebd085b21320476ef694628")]
    [InlineData("sk-maas-00000000000000000_00000000000000000000000000000000000000000001oXUyW", "00000000000000000", null)]
    public void Keys_built_by_an_independent_implementation_parse(string key, string keyId, string? hash)
    {
        var destination = new byte[32];

        Assert.True(ApiKeyFormat.TryParse(key, out var parsedId, destination, out var failure));

        Assert.Equal(ValidationFailure.None, failure);
        Assert.Equal(keyId, parsedId);
        if (hash is not null)
        {
            Assert.Equal(hash, Convert.ToHexStringLower(destination));
        }
    }

    [Fact]
    public void Generated_key_parses_to_its_id_and_hash()
    {
        var generated = ApiKeyFormat.Generate();
        var hash = new byte[ApiKeyFormat.HashLength];

        Assert.True(ApiKeyFormat.TryParse(generated.Key, out var keyId, hash, out var failure));

        Assert.Equal(ValidationFailure.None, failure);
        Assert.Equal(generated.KeyId, keyId);
        Assert.True(ApiKeyFormat.HashesEqual(generated.Hash, hash));
    }

    [Fact]
    public void Checksum_detects_every_single_character_substitution()
    {
        var hash = new byte[32];
        for (var sample = 0; sample < 10; sample++)
        {
            var key = ApiKeyFormat.Generate().Key;
            for (var position = 0; position < key.Length; position++)
            {
                foreach (var replacement in Alphabet + "-_")
                {
                    if (replacement == key[position])
                    {
                        continue;
                    }

                    var chars = key.ToCharArray();
                    chars[position] = replacement;

                    Assert.False(ApiKeyFormat.TryParse(chars, out var keyId, hash, out var failure), new string(chars));
                    Assert.Null(keyId);
                    Assert.Equal(ValidationFailure.Malformed, failure);
                }
            }
        }
    }

    [Fact]
    public void Made_up_keys_of_the_right_shape_are_refused()
    {
        var random = new Random(1234);
        var hash = new byte[32];
        for (var i = 0; i < 10_000; i++)
        {
            var made = "sk-maas-" + RandomDigits(random, 17) + "_" + RandomDigits(random, 49);

            Assert.False(ApiKeyFormat.TryParse(made, out _, hash, out var failure));
            Assert.Equal(ValidationFailure.Malformed, failure);
        }
    }

    [Fact]
    public void A_key_id_above_96_bits_is_refused_even_with_a_valid_checksum()
    {
        Assert.False(ApiKeyFormat.TryParse(
            "sk-maas-1f2SI9UJPXvb7vdJ2_11111111111111111111111111111111111111111111opDJD",
            out _,
            new byte[32],
            out var failure));
        Assert.Equal(ValidationFailure.Malformed, failure);
    }

    [Theory]
    [InlineData("1f2SI9UJPXvb7vdJ1", "yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp1", true)]
    [InlineData("1f2SI9UJPXvb7vdJ1", "yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp2", false)]
    [InlineData("1f2SI9UJPXvb7vdJ1", "yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xq0", false)]
    [InlineData("1f2SI9UJPXvb7vdJ1", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", false)]
    [InlineData("1f2SI9UJPXvb7vdJ2", "0000000000000000000000000000000000000000000", false)]
    [InlineData("1f2SI9UJPXvb7vdK0", "0000000000000000000000000000000000000000000", false)]
    [InlineData("00000000000000000", "0000000000000000000000000000000000000000000", true)]
    public void Key_id_and_secret_must_fit_96_and_256_bits_even_with_a_valid_checksum(string keyId, string secret, bool accepted)
    {
        var key = WithCheck("sk-maas-" + keyId + "_" + secret);

        Assert.Equal(accepted, ApiKeyFormat.TryParse(key, out var parsedId, new byte[32], out var failure));
        Assert.Equal(accepted ? ValidationFailure.None : ValidationFailure.Malformed, failure);
        Assert.Equal(accepted ? keyId : null, parsedId);
    }

    [Fact]
    public void Wrong_prefix_length_or_characters_are_refused()
    {
        var key = ApiKeyFormat.Generate().Key;
        string[] variants =
        [
            "",
            "sk-maas-",
            key[..^1],
            key + "A",
            " " + key,
            key + " ",
            "SK-MAAS-" + key[8..],
            "sk-proj-" + key[8..],
            key.Replace('_', '-'),
            key[..30] + "+" + key[31..],
            key[..30] + "é" + key[31..],
        ];

        foreach (var variant in variants)
        {
            Assert.False(ApiKeyFormat.TryParse(variant, out _, new byte[32], out var failure), variant);
            Assert.Equal(ValidationFailure.Malformed, failure);
        }
    }

    [Fact]
    public void Key_ids_are_unique_over_ten_thousand_generations()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var hashes = new HashSet<string>(StringComparer.Ordinal);

        for (var i = 0; i < 10_000; i++)
        {
            var generated = ApiKeyFormat.Generate();
            Assert.True(ids.Add(generated.KeyId));
            Assert.True(hashes.Add(Convert.ToHexString(generated.Hash)));
        }
    }

    [Fact]
    public void Never_throws_on_random_input()
    {
        var random = new Random(75);
        var valid = ApiKeyFormat.Generate().Key;
        const string noise = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_ \0é\uD800+/=";
        var hash = new byte[32];
        for (var i = 0; i < 20_000; i++)
        {
            var chars = i % 2 == 0
                ? Enumerable.Range(0, random.Next(0, 100)).Select(_ => noise[random.Next(noise.Length)]).ToArray()
                : valid.ToCharArray();
            if (i % 2 == 1)
            {
                chars[random.Next(chars.Length)] = noise[random.Next(noise.Length)];
            }

            var ok = ApiKeyFormat.TryParse(chars, out var keyId, hash, out var failure);

            Assert.Equal(ok, keyId is not null);
            Assert.Equal(ok ? ValidationFailure.None : ValidationFailure.Malformed, failure);
        }
    }

    [Fact]
    public void Hash_destination_must_hold_32_bytes()
    {
        Assert.Throws<ArgumentException>(() => ApiKeyFormat.TryParse(ApiKeyFormat.Generate().Key, out _, new byte[31], out _));
    }

    [Fact]
    public void HashesEqual_compares_content_and_length()
    {
        var a = ApiKeyFormat.ComputeHash("id", "secret");

        Assert.True(ApiKeyFormat.HashesEqual(a, ApiKeyFormat.ComputeHash("id", "secret")));
        Assert.False(ApiKeyFormat.HashesEqual(a, ApiKeyFormat.ComputeHash("id", "secreT")));
        Assert.False(ApiKeyFormat.HashesEqual(a, a.AsSpan(0, 31)));
    }

    [Fact]
    public void Hash_of_long_inputs_matches_SHA256()
    {
        var id = new string('i', 300);
        var secret = new string('s', 500) + "é";

        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(id + "\0" + secret)), ApiKeyFormat.ComputeHash(id, secret));
    }

    [Fact]
    public void Generated_key_ToString_hides_the_secret()
    {
        var generated = ApiKeyFormat.Generate();

        var text = generated.ToString();

        Assert.Contains(generated.KeyId, text, StringComparison.Ordinal);
        Assert.DoesNotContain(generated.Key[26..], text, StringComparison.Ordinal);
        Assert.DoesNotContain(generated.Key.Substring(26, 8), text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1f2SI9UJPXvb7vdJ1", true)]
    [InlineData("00000000000000000", true)]
    [InlineData("1f2SI9UJPXvb7vdJ2", false)]
    [InlineData("1f2SI9UJPXvb7vdJ", false)]
    [InlineData("1f2SI9UJPXvb7vd-1", false)]
    [InlineData("", false)]
    public void IsKeyId_accepts_only_ids_that_could_be_generated(string id, bool expected)
    {
        Assert.Equal(expected, ApiKeyFormat.IsKeyId(id));
    }

    [Fact]
    public void HasPrefix_tells_keys_from_other_credentials()
    {
        Assert.True(ApiKeyFormat.HasPrefix(ApiKeyFormat.Generate().Key));
        Assert.False(ApiKeyFormat.HasPrefix("eyJhbGciOiJFUzI1NiJ9.e30.sig"));
    }

    [Fact]
    public void A_key_generated_with_the_later_prefix_has_the_same_shape_after_it_and_parses_to_its_id_and_hash()
    {
        var generated = ApiKeyFormat.Generate(ApiKeyFormat.LaterPrefix);

        Assert.Matches("^sk-oai-[0-9A-Za-z]{17}_[0-9A-Za-z]{43}[0-9A-Za-z]{6}$", generated.Key);
        Assert.Equal(74, generated.Key.Length);
        Assert.Equal(generated.Key.Substring(7, 17), generated.KeyId);
        Assert.Equal(WithCheck(generated.Key[..68]), generated.Key);
        Assert.True(ApiKeyFormat.HasPrefix(generated.Key));
        var hash = new byte[ApiKeyFormat.HashLength];
        Assert.True(ApiKeyFormat.TryParse(generated.Key, out var keyId, hash, out var failure), failure.ToString());
        Assert.Equal(generated.KeyId, keyId);
        Assert.Equal(generated.Hash, hash);
        Assert.Equal(ApiKeyFormat.ComputeHash(generated.KeyId, generated.Key.AsSpan(25, 43)), hash);
        Assert.Equal("sk-oai-" + generated.KeyId + "_…", generated.ToString());
    }

    [Fact]
    public void A_key_with_its_prefix_swapped_fails_the_check()
    {
        foreach (var (from, to) in new[] { (ApiKeyFormat.Prefix, ApiKeyFormat.LaterPrefix), (ApiKeyFormat.LaterPrefix, ApiKeyFormat.Prefix) })
        {
            var key = ApiKeyFormat.Generate(from).Key;
            var swapped = to + key[from.Length..];
            Assert.False(ApiKeyFormat.TryParse(swapped, out _, new byte[ApiKeyFormat.HashLength], out var failure), swapped);
            Assert.Equal(ValidationFailure.Malformed, failure);
        }
    }

    [Theory]
    [InlineData("sk-")]
    [InlineData("sk-oai")]
    [InlineData("SK-MAAS-")]
    [InlineData("sk-other-")]
    [InlineData("")]
    public void Only_the_two_prefixes_are_prefixes(string prefix)
    {
        Assert.False(ApiKeyFormat.IsPrefix(prefix));
        Assert.Throws<ArgumentException>(() => ApiKeyFormat.Generate(prefix));
        Assert.True(ApiKeyFormat.IsPrefix("sk-maas-"));
        Assert.True(ApiKeyFormat.IsPrefix("sk-oai-"));
    }

    [Fact]
    public void A_well_formed_body_after_an_unknown_prefix_is_malformed()
    {
        var body = ApiKeyFormat.Generate().Key[ApiKeyFormat.PrefixLength..];
        foreach (var prefix in new[] { "sk-maa-", "sk-oai--", "sk-xyz-", "sk-" })
        {
            var key = WithCheck(prefix + body[..^6]);
            Assert.False(ApiKeyFormat.HasPrefix(key) && ApiKeyFormat.TryParse(key, out _, new byte[32], out _), key);
        }
    }

    [Fact]
    public void Parsing_a_key_of_either_prefix_allocates_only_its_id()
    {
        var hash = new byte[ApiKeyFormat.HashLength];
        foreach (var prefix in new[] { ApiKeyFormat.Prefix, ApiKeyFormat.LaterPrefix })
        {
            var key = ApiKeyFormat.Generate(prefix).Key;
            _ = ApiKeyFormat.TryParse(key, out _, hash, out _);
            var before = GC.GetAllocatedBytesForCurrentThread();
            Assert.True(ApiKeyFormat.TryParse(key, out var keyId, hash, out _));
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            // One string of 17 characters (its header, length and characters: under 72 bytes), nothing else.
            Assert.InRange(allocated, 1, 72);
            Assert.Equal(17, keyId!.Length);
        }
    }

    [GeneratedRegex("^sk-maas-[0-9A-Za-z]{17}_[0-9A-Za-z]{43}[0-9A-Za-z]{6}$")]
    private static partial Regex KeyPattern();

    private static string WithCheck(string text)
    {
        var crc = System.IO.Hashing.Crc32.HashToUInt32(Encoding.UTF8.GetBytes(text));
        var check = "";
        for (var i = 0; i < 6; i++, crc /= 62)
        {
            check = Alphabet[(int)(crc % 62)] + check;
        }

        return text + check;
    }

    private static string RandomDigits(Random random, int length) =>
        new(Enumerable.Range(0, length).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());
}
