using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Maas.Validation;

namespace Maas.ApiKeys;

/// <summary>
/// The opaque API key format <c>sk-maas-&lt;keyId&gt;_&lt;secret&gt;&lt;check&gt;</c>: keyId is 96
/// random bits in 17 base62 digits, secret 256 random bits in 43, and check the CRC-32 of
/// everything before it (the prefix included) in 6, so a mistyped or made-up key is refused without
/// a lookup. Only SHA-256(keyId, 0x00, secret) is ever stored. New keys take the configured prefix
/// (<c>Maas:ApiKeys:Prefix</c>): <see cref="Prefix"/> by default, or <see cref="LaterPrefix"/> for an
/// operator migrating from the later Go service; keys of either prefix are read, so keys issued
/// before the setting changed keep working.
/// </summary>
internal static class ApiKeyFormat
{
    /// <summary>What keys start with by default; secret scanners look for it.</summary>
    public const string Prefix = "sk-maas-";

    /// <summary>The length of <see cref="Prefix"/>.</summary>
    public const int PrefixLength = 8;

    /// <summary>The later Go service's prefix, which an operator migrating from it may choose for new keys.</summary>
    public const string LaterPrefix = "sk-oai-";

    /// <summary>The number of base62 digits of the key id.</summary>
    public const int KeyIdLength = 17;

    /// <summary>The number of base62 digits of the secret.</summary>
    public const int SecretLength = 43;

    /// <summary>The number of base62 digits of the checksum.</summary>
    public const int CheckLength = 6;

    /// <summary>The length of a whole key of the default prefix: 75 characters.</summary>
    public const int Length = PrefixLength + BodyLength;

    /// <summary>The length of a key after its prefix: 67 characters.</summary>
    public const int BodyLength = KeyIdLength + 1 + SecretLength + CheckLength;

    /// <summary>The length of the stored hash: 32 bytes.</summary>
    public const int HashLength = SHA256.HashSizeInBytes;

    private const int KeyIdBytes = 12;
    private const int SecretBytes = 32;
    // Offsets in the body, the key after its prefix.
    private const int SeparatorIndex = KeyIdLength;
    private const int SecretStart = SeparatorIndex + 1;
    private const int CheckStart = SecretStart + SecretLength;
    private const int MaxCheckedLength = PrefixLength + CheckStart;
    private const int StackLimit = 256;

    // The digits of 2^96 - 1 and 2^256 - 1: key ids and secrets above them were not generated here.
    private static readonly string s_maxKeyId = Base62.MaxDigits(KeyIdBytes, KeyIdLength);
    private static readonly string s_maxSecret = Base62.MaxDigits(SecretBytes, SecretLength);

    /// <summary>Generates a new key from cryptographically strong random bytes (<see cref="Tokens.RandomBytes"/>).</summary>
    /// <param name="prefix"><see cref="Prefix"/> (the default) or <see cref="LaterPrefix"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="prefix"/> is neither.</exception>
    public static GeneratedApiKey Generate(string prefix = Prefix)
    {
        if (!IsPrefix(prefix))
        {
            throw new ArgumentException($"An API key prefix is {Prefix} or {LaterPrefix}.", nameof(prefix));
        }

        Span<byte> random = stackalloc byte[KeyIdBytes + SecretBytes];
        Span<char> key = stackalloc char[prefix.Length + BodyLength];
        try
        {
            Tokens.RandomBytes.Fill(random);
            prefix.CopyTo(key);
            var body = key[prefix.Length..];
            Base62.Encode(random[..KeyIdBytes], body[..KeyIdLength]);
            body[SeparatorIndex] = '_';
            Base62.Encode(random[KeyIdBytes..], body.Slice(SecretStart, SecretLength));
            WriteCheck(key[..(prefix.Length + CheckStart)], body[CheckStart..]);

            var keyId = new string(body[..KeyIdLength]);
            var hash = new byte[HashLength];
            ComputeHash(keyId, body.Slice(SecretStart, SecretLength), hash);
            return new GeneratedApiKey(new string(key), keyId, hash);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(random);
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(key));
        }
    }

    /// <summary>Whether <paramref name="prefix"/> is a prefix keys may be issued with: <see cref="Prefix"/> or <see cref="LaterPrefix"/>, exactly.</summary>
    public static bool IsPrefix(string? prefix) => prefix is Prefix or LaterPrefix;

    /// <summary>Whether <paramref name="credential"/> claims to be an API key (starts with <see cref="Prefix"/> or <see cref="LaterPrefix"/>).</summary>
    public static bool HasPrefix(ReadOnlySpan<char> credential) => PrefixLengthOf(credential) > 0;

    // The length of the key prefix credential starts with, or 0 when none.
    private static int PrefixLengthOf(ReadOnlySpan<char> credential) =>
        credential.StartsWith(Prefix, StringComparison.Ordinal) ? Prefix.Length
        : credential.StartsWith(LaterPrefix, StringComparison.Ordinal) ? LaterPrefix.Length
        : 0;

    /// <summary>
    /// Checks the shape of <paramref name="key"/> (either prefix, length, base62 digits, checksum, and
    /// id and secret in range) without any lookup and, when it could be a key issued here, returns
    /// its id and writes SHA-256(keyId, 0x00, secret) to <paramref name="hash"/>. Otherwise
    /// <paramref name="failure"/> is <see cref="ValidationFailure.Malformed"/>. Never throws on any key.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="hash"/> is shorter than <see cref="HashLength"/>.</exception>
    public static bool TryParse(ReadOnlySpan<char> key, [NotNullWhen(true)] out string? keyId, Span<byte> hash, out ValidationFailure failure)
    {
        if (hash.Length < HashLength)
        {
            throw new ArgumentException($"The hash destination needs {HashLength} bytes.", nameof(hash));
        }

        keyId = null;
        failure = ValidationFailure.Malformed;
        var prefixLength = PrefixLengthOf(key);
        var body = key[prefixLength..];
        if (prefixLength == 0
            || body.Length != BodyLength
            || body[SeparatorIndex] != '_'
            || body[..KeyIdLength].ContainsAnyExcept(Base62.Digits)
            || body[SecretStart..].ContainsAnyExcept(Base62.Digits))
        {
            return false;
        }

        // The check covers the prefix, so a key mistyped with the other prefix is refused here; one
        // respelled with the other prefix and its check recomputed is the same key (same id and secret).
        Span<char> check = stackalloc char[CheckLength];
        WriteCheck(key[..(prefixLength + CheckStart)], check);
        if (!check.SequenceEqual(body[CheckStart..]))
        {
            return false;
        }

        // Digits that spell a number larger than 96 or 256 bits were not generated here.
        if (!Base62.IsAtMost(body[..KeyIdLength], s_maxKeyId)
            || !Base62.IsAtMost(body.Slice(SecretStart, SecretLength), s_maxSecret))
        {
            return false;
        }

        ComputeHash(body[..KeyIdLength], body.Slice(SecretStart, SecretLength), hash);
        keyId = new string(body[..KeyIdLength]);
        failure = ValidationFailure.None;
        return true;
    }

    /// <summary>Whether <paramref name="id"/> could be the id of a key generated here (17 base62 digits, at most 96 bits).</summary>
    public static bool IsKeyId(ReadOnlySpan<char> id) =>
        id.Length == KeyIdLength && !id.ContainsAnyExcept(Base62.Digits) && Base62.IsAtMost(id, s_maxKeyId);

    /// <summary>Computes SHA-256(UTF-8(keyId) || 0x00 || UTF-8(secret)).</summary>
    public static byte[] ComputeHash(ReadOnlySpan<char> keyId, ReadOnlySpan<char> secret)
    {
        var hash = new byte[HashLength];
        ComputeHash(keyId, secret, hash);
        return hash;
    }

    /// <summary>Writes SHA-256(UTF-8(keyId) || 0x00 || UTF-8(secret)) to <paramref name="destination"/>.</summary>
    public static void ComputeHash(ReadOnlySpan<char> keyId, ReadOnlySpan<char> secret, Span<byte> destination)
    {
        var length = checked(Encoding.UTF8.GetByteCount(keyId) + 1 + Encoding.UTF8.GetByteCount(secret));
        byte[]? rented = null;
        var input = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(keyId, input);
            input[written++] = 0;
            written += Encoding.UTF8.GetBytes(secret, input[written..]);
            SHA256.HashData(input[..written], destination);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input[..length]);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Compares two hashes in time that does not depend on where they differ.</summary>
    public static bool HashesEqual(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right) =>
        CryptographicOperations.FixedTimeEquals(left, right);

    // check = base62(CRC-32 (IEEE 802.3, as zlib)(UTF-8(text))) in 6 digits; text is ASCII here, so UTF-8 is one byte a character.
    private static void WriteCheck(ReadOnlySpan<char> text, Span<char> destination)
    {
        Span<byte> bytes = stackalloc byte[MaxCheckedLength];
        var length = Encoding.UTF8.GetBytes(text, bytes);
        var crc = System.IO.Hashing.Crc32.HashToUInt32(bytes[..length]);
        CryptographicOperations.ZeroMemory(bytes);

        // Base62.Encode of the big-endian CRC, on a uint: 62^6 > 2^32, so it always fits.
        for (var i = CheckLength - 1; i >= 0; i--)
        {
            destination[i] = Base62.Alphabet[(int)(crc % 62)];
            crc /= 62;
        }
    }
}
