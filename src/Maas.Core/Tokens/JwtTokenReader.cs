using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using Maas.Validation;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ValidationFailure = Maas.Validation.ValidationFailure;

namespace Maas.Tokens;

/// <summary>
/// Verifies tokens issued by <see cref="JwtTokenIssuer"/> with the keys of a
/// <see cref="SigningKeyRing"/> through <c>Microsoft.IdentityModel</c>'s
/// <see cref="JsonWebTokenHandler"/> (parsing, ES256 signature, issuer, audience, lifetime on the
/// injected clock), then holds the token to the stricter rules of what this service issues:
/// ES256 only, a known <c>kid</c>, no <c>crit</c>, one canonical low-S signature, every claim
/// present with its JSON type. Never throws on any input. Revocation is not its concern.
/// </summary>
/// <remarks>
/// The library's parse costs about 8 µs of CPU per token beside the ~80 µs ES256 verification
/// (the hand-written reader it replaced added about 1.5 µs): roughly 10% of an uncached
/// validation, paid once per token per replica since verified tokens are cached. Numbers in
/// benchmarks/README.md.
/// </remarks>
internal sealed class JwtTokenReader
{
    /// <summary>Tokens longer than this are refused as malformed before any work.</summary>
    internal const int MaxTokenLength = 8 * 1024;

    private const int MaxEncodedHeaderLength = 512;

    private static readonly SearchValues<char> s_compactAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.");

    private readonly SigningKeyRing _keys;
    private readonly TimeProvider _timeProvider;
    private readonly JsonWebTokenHandler _handler = new() { MaximumTokenSizeInBytes = MaxTokenLength };
    private readonly TokenValidationParameters _parameters;

    /// <summary>Creates the reader.</summary>
    public JwtTokenReader(SigningKeyRing keys, IOptions<MaasOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _keys = keys;
        _timeProvider = timeProvider;
        _parameters = new TokenValidationParameters
        {
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            IssuerSigningKeyResolver = ResolveKey,
            TryAllIssuerSigningKeys = false,
            RequireSignedTokens = true,
            ValidIssuer = options.Value.Issuer,
            ValidAudience = options.Value.Audience,
            RequireAudience = true,
            IgnoreTrailingSlashWhenValidatingAudience = false,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            LifetimeValidator = ValidateLifetime,
            ValidateTokenReplay = false,
            SaveSigninToken = false,
        };
    }

    /// <summary>
    /// Reads and verifies <paramref name="token"/>: its claims, or why it was refused — malformed
    /// (not a JWT of ours), an unsupported algorithm, an unknown key, a bad signature, a wrong
    /// issuer or audience, expired (at or after <c>exp</c>) or not yet valid (before <c>nbf</c>).
    /// </summary>
    public async ValueTask<TokenReading> ReadAsync(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength || token.AsSpan().ContainsAnyExcept(s_compactAlphabet))
        {
            return TokenReading.Refused(ValidationFailure.Malformed);
        }

        var text = token.AsSpan();
        var firstDot = text.IndexOf('.');
        var lastDot = text.LastIndexOf('.');
        if (firstDot is <= 0 or > MaxEncodedHeaderLength || lastDot == firstDot || text[(firstDot + 1)..lastDot].Contains('.'))
        {
            // Exactly three segments: never the five of an encrypted token.
            return TokenReading.Refused(ValidationFailure.Malformed);
        }

        JsonWebToken jwt;
        try
        {
            jwt = _handler.ReadJsonWebToken(token);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException or JsonException)
        {
            return TokenReading.Refused(ValidationFailure.Malformed);
        }

        var headerFailure = CheckHeader(jwt, text[..firstDot]);
        if (headerFailure != ValidationFailure.None)
        {
            return TokenReading.Refused(headerFailure);
        }

        if (!IsCanonicalLowS(text[(lastDot + 1)..]))
        {
            return TokenReading.Refused(ValidationFailure.BadSignature);
        }

        var result = await _handler.ValidateTokenAsync(jwt, _parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return TokenReading.Refused(Classify(result.Exception));
        }

        return ReadClaims(jwt);
    }

    private IEnumerable<SecurityKey> ResolveKey(string token, SecurityToken securityToken, string kid, TokenValidationParameters parameters) =>
        kid is not null && _keys.TryGetKey(kid, out var key) ? [key.SecurityKey] : [];

    // On the injected clock (the library's own reads the system clock), with no skew: valid from
    // nbf, expired from exp on (the library's default would still accept a token at its exp).
    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        if (expires is not { } expiresAt)
        {
            throw new SecurityTokenNoExpirationException("The token has no exp.");
        }

        var now = _timeProvider.GetUtcNow().UtcDateTime;
        if (now >= expiresAt)
        {
            throw new SecurityTokenExpiredException("The token has expired.") { Expires = expiresAt };
        }

        if (notBefore is { } validFrom && now < validFrom)
        {
            throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = validFrom };
        }

        return true;
    }

    private ValidationFailure CheckHeader(JsonWebToken jwt, ReadOnlySpan<char> encodedHeader)
    {
        if (!string.Equals(jwt.Alg, SecurityAlgorithms.EcdsaSha256, StringComparison.Ordinal))
        {
            // "none", HS256 (the key confusion attack), anything else: refused before any key is touched.
            return ValidationFailure.UnsupportedAlgorithm;
        }

        if (jwt.TryGetHeaderValue<object>("crit", out _) || HasDuplicateMember(encodedHeader))
        {
            // RFC 7515 section 4.1.11: extensions we do not understand must be refused. A repeated
            // alg or kid would let two parsers read two different headers.
            return ValidationFailure.Malformed;
        }

        return string.IsNullOrEmpty(jwt.Kid) || !_keys.TryGetKey(jwt.Kid, out _)
            ? ValidationFailure.UnknownSigningKey
            : ValidationFailure.None;
    }

    // The library reads a repeated member as its last value; this service refuses such a header.
    private static bool HasDuplicateMember(ReadOnlySpan<char> encodedHeader)
    {
        Span<byte> header = stackalloc byte[MaxEncodedHeaderLength];
        if (Base64Url.DecodeFromChars(encodedHeader, header, out _, out var length) != OperationStatus.Done)
        {
            return true;
        }

        var reader = new Utf8JsonReader(header[..length]);
        var seen = 0;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return true;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var bit = reader.ValueTextEquals("alg"u8) ? 1 : reader.ValueTextEquals("kid"u8) ? 2 : 0;
                if ((seen & bit) != 0)
                {
                    return true;
                }

                seen |= bit;
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return true;
        }

        return false;
    }

    // One spelling per signature: 86 base64url characters with no stray trailing bits, and s ≤ n/2
    // ((r, n − s) verifies as well as (r, s)); the library checks neither.
    private static bool IsCanonicalLowS(ReadOnlySpan<char> encodedSignature)
    {
        if (encodedSignature.Length != JwtTokenIssuer.EncodedSignatureLength)
        {
            return false;
        }

        Span<byte> signature = stackalloc byte[JwtTokenIssuer.SignatureLength];
        Span<char> canonical = stackalloc char[JwtTokenIssuer.EncodedSignatureLength];
        return Base64Url.DecodeFromChars(encodedSignature, signature, out var consumed, out var written) == OperationStatus.Done
            && consumed == encodedSignature.Length
            && written == JwtTokenIssuer.SignatureLength
            && Base64Url.TryEncodeToChars(signature, canonical, out _)
            && canonical.SequenceEqual(encodedSignature)
            && P256Signature.IsLowS(signature);
    }

    private static ValidationFailure Classify(Exception? exception) => exception switch
    {
        // Most derived first: a missing key is a kind of invalid signature, expiry a kind of invalid lifetime.
        SecurityTokenSignatureKeyNotFoundException => ValidationFailure.UnknownSigningKey,
        SecurityTokenInvalidAlgorithmException => ValidationFailure.UnsupportedAlgorithm,
        SecurityTokenInvalidSignatureException => ValidationFailure.BadSignature,
        SecurityTokenInvalidIssuerException => ValidationFailure.WrongIssuer,
        SecurityTokenInvalidAudienceException => ValidationFailure.WrongAudience,
        SecurityTokenExpiredException => ValidationFailure.Expired,
        SecurityTokenNotYetValidException => ValidationFailure.NotYetValid,
        _ => ValidationFailure.Malformed,
    };

    // The library converts as it parses (1.5 or "99" reads as a whole number of seconds, 7 as the
    // string "7"), so this service's own claims are read again from the verified payload, each
    // with its JSON type.
    private static TokenReading ReadClaims(JsonWebToken jwt)
    {
        var encoded = jwt.EncodedPayload.AsSpan();
        var rented = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(encoded.Length));
        try
        {
            if (Base64Url.DecodeFromChars(encoded, rented, out var consumed, out var length) != OperationStatus.Done || consumed != encoded.Length)
            {
                return TokenReading.Refused(ValidationFailure.Malformed);
            }

            return ReadClaims(rented.AsSpan(0, length));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Invalid JSON, or a string that is not valid UTF-8.
            return TokenReading.Refused(ValidationFailure.Malformed);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static TokenReading ReadClaims(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return TokenReading.Refused(ValidationFailure.Malformed);
        }

        string? subject = null, tier = null, jti = null;
        List<string>? groups = null;
        long? iat = null, nbf = null, exp = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("sub"u8))
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

        if (subject is null || tier is null || groups is null
            || iat is not { } issuedAt || nbf is not { } notBefore || exp is not { } expiresAt
            || !JwtTokenIssuer.TryGetIssuedInstant(jti, out var issuedInstant))
        {
            return TokenReading.Refused(ValidationFailure.Malformed);
        }

        return new TokenReading(
            new JwtTokenClaims(
                subject,
                groups,
                tier,
                jti!,
                DateTimeOffset.FromUnixTimeSeconds(issuedAt),
                DateTimeOffset.FromUnixTimeSeconds(notBefore),
                DateTimeOffset.FromUnixTimeSeconds(expiresAt),
                issuedInstant),
            ValidationFailure.None);
    }

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
