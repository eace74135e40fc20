using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Maas.Tokens;

/// <summary>
/// One ES256 key of a <see cref="SigningKeyRing"/>: the ECDSA P-256 key, its JWK and the
/// base64url JWS header that names it, computed once.
/// </summary>
internal sealed class SigningKey
{
    private const string P256Oid = "1.2.840.10045.3.1.7";

    private SigningKey(ECDsa key, PublicJsonWebKey publicKey, byte[] encodedHeader)
    {
        Key = key;
        PublicKey = publicKey;
        EncodedHeader = encodedHeader;
        SecurityKey = new ECDsaSecurityKey(key) { KeyId = publicKey.Kid };
    }

    /// <summary>Gets the key id: the RFC 7638 thumbprint.</summary>
    public string Kid => PublicKey.Kid;

    /// <summary>Gets the ECDSA key; it signs only when it holds the private part.</summary>
    public ECDsa Key { get; }

    /// <summary>Gets the public key as a JWK.</summary>
    public PublicJsonWebKey PublicKey { get; }

    /// <summary>Gets the same key as <c>Microsoft.IdentityModel</c> verifies with, named by <see cref="Kid"/>.</summary>
    public ECDsaSecurityKey SecurityKey { get; }

    /// <summary>Gets base64url(<c>{"alg":"ES256","typ":"JWT","kid":...}</c>) as ASCII bytes.</summary>
    public byte[] EncodedHeader { get; }

    /// <summary>Wraps <paramref name="key"/>; throws <see cref="ArgumentException"/> when it is not a P-256 key.</summary>
    public static SigningKey Create(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ECParameters parameters;
        try
        {
            parameters = key.ExportParameters(includePrivateParameters: false);
        }
        catch (CryptographicException ex)
        {
            throw new ArgumentException("The key cannot be exported as an EC key.", nameof(key), ex);
        }

        if (!IsP256(parameters.Curve) || parameters.Q.X is not { Length: 32 } x || parameters.Q.Y is not { Length: 32 } y)
        {
            throw new ArgumentException("The key is not an ECDSA P-256 (prime256v1, secp256r1) key.", nameof(key));
        }

        var kid = ComputeThumbprint(x, y);
        var publicKey = new PublicJsonWebKey(kid, Base64Url.EncodeToString(x), Base64Url.EncodeToString(y));
        return new SigningKey(key, publicKey, EncodeHeader(kid));
    }

    /// <summary>Whether the key holds a private part, so it can sign.</summary>
    public static bool HasPrivateKey(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            var parameters = key.ExportParameters(includePrivateParameters: true);
            var hasPrivate = parameters.D is { Length: > 0 };
            if (parameters.D is not null)
            {
                CryptographicOperations.ZeroMemory(parameters.D);
            }

            return hasPrivate;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>
    /// Computes the RFC 7638 JWK thumbprint of a P-256 public key: SHA-256 over
    /// <c>{"crv":"P-256","kty":"EC","x":...,"y":...}</c>, base64url without padding.
    /// </summary>
    public static string ComputeThumbprint(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y)
    {
        // The members are required, in lexicographic order, with no whitespace (RFC 7638 section 3).
        var json = $$"""{"crv":"P-256","kty":"EC","x":"{{Base64Url.EncodeToString(x)}}","y":"{{Base64Url.EncodeToString(y)}}"}""";
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(json), hash);
        return Base64Url.EncodeToString(hash);
    }

    private static bool IsP256(ECCurve curve) =>
        curve.IsNamed
        && (curve.Oid.Value == P256Oid
            || curve.Oid.FriendlyName is "nistP256" or "ECDSA_P256" or "prime256v1" or "secp256r1");

    private static byte[] EncodeHeader(string kid)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("alg"u8, "ES256"u8);
            writer.WriteString("typ"u8, "JWT"u8);
            writer.WriteString("kid"u8, kid);
            writer.WriteEndObject();
        }

        return Encoding.ASCII.GetBytes(Base64Url.EncodeToString(buffer.WrittenSpan));
    }
}
