using System.Buffers.Text;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Maas.Tokens;
using Maas.Validation;

namespace Maas.Core.Tests.Tokens;

/// <summary>ES256 signatures in their high-S twin form (r, n − s) are refused; the issuer emits low-S only.</summary>
public sealed class LowSSignatureTests
{
    private static readonly BigInteger Order = BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber);

    [Fact]
    public async Task Issuer_emits_only_low_s_signatures_and_every_one_reads_back()
    {
        using var context = new TokenTestContext();
        for (var i = 0; i < 200; i++)
        {
            var token = context.Issue().Token;
            Assert.True(S(token) <= Order / 2, "the issuer emitted a high-S signature");
            Assert.True((await context.Reader.ReadAsync(token)).IsValid);
        }
    }

    [Fact]
    public async Task High_s_twin_of_a_valid_signature_verifies_mathematically_but_is_refused()
    {
        using var context = new TokenTestContext();
        var token = context.Issue().Token;
        var twin = Twin(token);

        // The twin is a valid ECDSA signature of the same input under the same key...
        var signingInput = Encoding.ASCII.GetBytes(token[..token.LastIndexOf('.')]);
        var publicKey = context.Keys.Current.Key;
        Assert.True(publicKey.VerifyData(signingInput, Base64Url.DecodeFromChars(twin.AsSpan(twin.LastIndexOf('.') + 1)), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

        // ...and Maas refuses it.
        var reading1 = await context.Reader.ReadAsync(twin);
        Assert.False(reading1.IsValid);
        var failure = reading1.Failure;
        Assert.Equal(ValidationFailure.BadSignature, failure);
        Assert.True((await context.Reader.ReadAsync(token)).IsValid);
    }

    [Fact]
    public void Normalizing_a_high_s_signature_gives_n_minus_s_and_leaves_r()
    {
        var signature = RandomNumberGenerator.GetBytes(64);
        signature[32] = 0xF0; // s > n/2
        var original = (byte[])signature.Clone();

        P256Signature.NormalizeLowS(signature);

        Assert.True(original.AsSpan(0, 32).SequenceEqual(signature.AsSpan(0, 32)));
        Assert.Equal(Order - Big(original.AsSpan(32)), Big(signature.AsSpan(32)));
        Assert.True(P256Signature.IsLowS(signature));
        var low = (byte[])signature.Clone();
        P256Signature.NormalizeLowS(signature);
        Assert.Equal(low, signature);
    }

    private static BigInteger S(string token)
    {
        var signature = Base64Url.DecodeFromChars(token.AsSpan(token.LastIndexOf('.') + 1));
        return Big(signature.AsSpan(32));
    }

    private static string Twin(string token)
    {
        var dot = token.LastIndexOf('.');
        var signature = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        var twinS = (Order - Big(signature.AsSpan(32))).ToByteArray(isUnsigned: true, isBigEndian: true);
        var twin = new byte[64];
        signature.AsSpan(0, 32).CopyTo(twin);
        twinS.CopyTo(twin.AsSpan(64 - twinS.Length));
        return token[..(dot + 1)] + Base64Url.EncodeToString(twin);
    }

    private static BigInteger Big(ReadOnlySpan<byte> bigEndian) => new(bigEndian, isUnsigned: true, isBigEndian: true);
}
