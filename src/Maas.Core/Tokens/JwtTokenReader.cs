using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using System.Text.Json;
using Maas.Validation;
using Microsoft.Extensions.Options;

namespace Maas.Tokens;

/// <summary>
/// Verifies tokens issued by <see cref="JwtTokenIssuer"/> with the keys of a
/// <see cref="SigningKeyRing"/>: shape, ES256 signature, issuer, audience and lifetime. Never
/// throws on any input. Revocation is not its concern.
/// </summary>
internal sealed class JwtTokenReader
{
    /// <summary>Tokens longer than this are refused as malformed before any work.</summary>
    internal const int MaxTokenLength = 8 * 1024;

    private const int MaxHeaderLength = 512;
    private const int MaxKidLength = 64;
    private const int StackLimit = 1024;

    private static readonly SearchValues<char> s_base64UrlAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private readonly SigningKeyRing _keys;
    private readonly TimeProvider _timeProvider;
    private readonly string _issuer;
    private readonly string _audience;

    /// <summary>Creates the reader.</summary>
    public JwtTokenReader(SigningKeyRing keys, IOptions<MaasOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _keys = keys;
        _timeProvider = timeProvider;
        _issuer = options.Value.Issuer;
        _audience = options.Value.Audience;
    }

    /// <summary>
    /// Reads and verifies <paramref name="token"/>. On refusal, <paramref name="failure"/> is
    /// <see cref="ValidationFailure.Malformed"/> (not a JWT of ours), <see cref="ValidationFailure.BadSignature"/>
    /// (unknown key, wrong algorithm, signature, issuer or audience) or <see cref="ValidationFailure.Expired"/>
    /// (at or after <c>exp</c>, or before <c>nbf</c>).
    /// </summary>
    public bool TryRead(string? token, [NotNullWhen(true)] out JwtTokenClaims? claims, out ValidationFailure failure)
    {
        claims = null;
        failure = Check(token, out claims);
        return failure == ValidationFailure.None;
    }

    private ValidationFailure Check(string? token, out JwtTokenClaims? claims)
    {
        claims = null;
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return ValidationFailure.Malformed;
        }

        var text = token.AsSpan();
        var firstDot = text.IndexOf('.');
        var secondDot = firstDot < 0 ? -1 : text[(firstDot + 1)..].IndexOf('.');
        if (firstDot <= 0 || secondDot <= 0)
        {
            return ValidationFailure.Malformed;
        }

        secondDot += firstDot + 1;
        var encodedHeader = text[..firstDot];
        var encodedPayload = text[(firstDot + 1)..secondDot];
        var encodedSignature = text[(secondDot + 1)..];
        if (encodedSignature.IsEmpty
            || encodedHeader.ContainsAnyExcept(s_base64UrlAlphabet)
            || encodedPayload.ContainsAnyExcept(s_base64UrlAlphabet)
            || encodedSignature.ContainsAnyExcept(s_base64UrlAlphabet)
            || encodedHeader.Length > MaxHeaderLength)
        {
            return ValidationFailure.Malformed;
        }

        try
        {
            var headerFailure = ReadHeader(encodedHeader, out var key);
            if (headerFailure != ValidationFailure.None)
            {
                return headerFailure;
            }

            if (!VerifySignature(key!, text[..secondDot], encodedSignature))
            {
                return ValidationFailure.BadSignature;
            }

            return ReadPayload(encodedPayload, out claims);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Invalid JSON, or a string that is not valid UTF-8.
            return ValidationFailure.Malformed;
        }
    }

    private ValidationFailure ReadHeader(ReadOnlySpan<char> encodedHeader, out SigningKey? key)
    {
        key = null;
        Span<byte> header = stackalloc byte[MaxHeaderLength];
        if (!TryDecode(encodedHeader, header, out var headerLength) || !Utf8.IsValid(header[..headerLength]))
        {
            return ValidationFailure.Malformed;
        }

        var reader = new Utf8JsonReader(header[..headerLength]);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return ValidationFailure.Malformed;
        }

        Span<char> kid = stackalloc char[MaxKidLength];
        bool algOk = false, sawAlg = false, sawKid = false, critical = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("alg"u8))
            {
                if (sawAlg || !reader.Read())
                {
                    return ValidationFailure.Malformed;
                }

                sawAlg = true;
                algOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("ES256"u8);
            }
            else if (reader.ValueTextEquals("kid"u8))
            {
                if (sawKid || !reader.Read())
                {
                    return ValidationFailure.Malformed;
                }

                sawKid = true;
                if (reader.TokenType == JsonTokenType.String && !reader.HasValueSequence && reader.ValueSpan.Length <= MaxKidLength)
                {
                    var kidLength = reader.CopyString(kid);
                    _ = _keys.TryGetKey(kid[..kidLength], out key);
                }
            }
            else
            {
                // RFC 7515 section 4.1.11: extensions we do not understand must be refused.
                critical |= reader.ValueTextEquals("crit"u8);
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return ValidationFailure.Malformed;
        }

        return algOk && key is not null && !critical ? ValidationFailure.None : ValidationFailure.BadSignature;
    }

    private static bool VerifySignature(SigningKey key, ReadOnlySpan<char> signingInput, ReadOnlySpan<char> encodedSignature)
    {
        if (encodedSignature.Length != JwtTokenIssuer.EncodedSignatureLength)
        {
            return false;
        }

        Span<byte> signature = stackalloc byte[JwtTokenIssuer.SignatureLength];
        Span<char> canonical = stackalloc char[JwtTokenIssuer.EncodedSignatureLength];
        if (!TryDecode(encodedSignature, signature, out var signatureLength)
            || signatureLength != JwtTokenIssuer.SignatureLength
            || !Base64Url.TryEncodeToChars(signature, canonical, out _)
            || !canonical.SequenceEqual(encodedSignature))
        {
            // Unused trailing bits would make a second spelling of the same signature.
            return false;
        }

        if (!P256Signature.IsLowS(signature))
        {
            // (r, n − s) verifies as well as (r, s): another second spelling, refused.
            return false;
        }

        byte[]? rented = null;
        var input = signingInput.Length <= StackLimit
            ? stackalloc byte[StackLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(signingInput.Length));
        try
        {
            // The alphabet was checked: every character is ASCII.
            var length = Encoding.ASCII.GetBytes(signingInput, input);
            return key.Key.VerifyData(
                input[..length],
                signature,
                HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private ValidationFailure ReadPayload(ReadOnlySpan<char> encodedPayload, out JwtTokenClaims? claims)
    {
        claims = null;
        var rented = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(encodedPayload.Length));
        try
        {
            if (!TryDecode(encodedPayload, rented, out var payloadLength)
                || !Utf8.IsValid(rented.AsSpan(0, payloadLength)))
            {
                return ValidationFailure.Malformed;
            }

            var reader = new Utf8JsonReader(rented.AsSpan(0, payloadLength));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ValidationFailure.Malformed;
            }

            string? subject = null, tier = null, jti = null;
            List<string>? groups = null;
            long? iat = null, nbf = null, exp = null;
            bool issuerOk = false, audienceOk = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("iss"u8))
                {
                    reader.Read();
                    issuerOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(_issuer);
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("aud"u8))
                {
                    reader.Read();
                    audienceOk = ReadAudience(ref reader);
                }
                else if (reader.ValueTextEquals("sub"u8))
                {
                    subject = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("tier"u8))
                {
                    tier = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("jti"u8))
                {
                    jti = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("groups"u8))
                {
                    groups = ReadGroups(ref reader);
                }
                else if (reader.ValueTextEquals("iat"u8))
                {
                    iat = ReadSeconds(ref reader);
                }
                else if (reader.ValueTextEquals("nbf"u8))
                {
                    nbf = ReadSeconds(ref reader);
                }
                else if (reader.ValueTextEquals("exp"u8))
                {
                    exp = ReadSeconds(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return ValidationFailure.Malformed;
            }

            if (!issuerOk || !audienceOk)
            {
                return ValidationFailure.BadSignature;
            }

            if (subject is null || tier is null || groups is null
                || iat is not { } issuedAt || nbf is not { } notBefore || exp is not { } expiresAt
                || !JwtTokenIssuer.TryGetIssuedInstant(jti, out var issuedInstant))
            {
                return ValidationFailure.Malformed;
            }

            var now = _timeProvider.GetUtcNow();
            var notBeforeInstant = DateTimeOffset.FromUnixTimeSeconds(notBefore);
            var expiresAtInstant = DateTimeOffset.FromUnixTimeSeconds(expiresAt);
            if (now >= expiresAtInstant || now < notBeforeInstant)
            {
                return ValidationFailure.Expired;
            }

            claims = new JwtTokenClaims(
                subject,
                groups,
                tier,
                jti!,
                DateTimeOffset.FromUnixTimeSeconds(issuedAt),
                notBeforeInstant,
                expiresAtInstant,
                issuedInstant);
            return ValidationFailure.None;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private bool ReadAudience(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.ValueTextEquals(_audience);
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return false;
        }

        // RFC 7519 allows an array; accept it when it names us.
        var found = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            found |= reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(_audience);
            reader.Skip();
        }

        return found;
    }

    // Base64Url.TryDecodeFromChars throws on invalid data; the OperationStatus overload never does.
    private static bool TryDecode(ReadOnlySpan<char> source, Span<byte> destination, out int bytesWritten) =>
        Base64Url.DecodeFromChars(source, destination, out var consumed, out bytesWritten) == OperationStatus.Done
        && consumed == source.Length;

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    private static List<string>? ReadGroups(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }

        var groups = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                reader.Skip();
                return null;
            }

            groups.Add(reader.GetString()!);
        }

        return groups;
    }

    // Whole seconds only, within what DateTimeOffset can represent.
    private static long? ReadSeconds(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.Number)
        {
            reader.Skip();
            return null;
        }

        return reader.TryGetInt64(out var seconds)
            && seconds >= DateTimeOffset.MinValue.ToUnixTimeSeconds()
            && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
                ? seconds
                : null;
    }
}
