using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Maas.Tiers;
using Maas.Users;
using Microsoft.Extensions.Options;

namespace Maas.Tokens;

/// <summary>
/// The built-in issuer: ES256 JWTs (compact form) with <c>iss</c>, <c>aud</c>, <c>sub</c>,
/// <c>groups</c>, <c>tier</c>, <c>jti</c>, <c>iat</c>, <c>nbf</c> and <c>exp</c>. The <c>jti</c>
/// is a UUID version 7 that carries the issuance instant to 1/4096 ms, so "revoked before T"
/// can be decided more precisely than the whole seconds of <c>iat</c>.
/// </summary>
internal sealed class JwtTokenIssuer : ITokenIssuer
{
    /// <summary>The length of an ES256 signature in IEEE P1363 form (r || s).</summary>
    internal const int SignatureLength = 64;

    /// <summary>The length of an ES256 signature in base64url.</summary>
    internal const int EncodedSignatureLength = 86;

    private const long TicksPerMillisecond = TimeSpan.TicksPerMillisecond;
    private const int SubMillisecondSteps = 4096;
    private static readonly JsonWriterOptions s_writerOptions = new() { SkipValidation = true };

    private readonly SigningKeyRing _keys;
    private readonly TimeProvider _timeProvider;
    private readonly string _issuer;
    private readonly string _audience;

    /// <summary>Creates the issuer.</summary>
    public JwtTokenIssuer(SigningKeyRing keys, IOptions<MaasOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _keys = keys;
        _timeProvider = timeProvider;
        _issuer = options.Value.Issuer;
        _audience = options.Value.Audience;
    }

    /// <inheritdoc />
    public ValueTask<IssuedToken> IssueAsync(MaasUser user, Tier tier, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Issue(user, tier, lifetime));
    }

    /// <summary>Issues a token synchronously; signing is CPU work only.</summary>
    public IssuedToken Issue(MaasUser user, Tier tier, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(tier);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);

        var key = _keys.Current;
        Span<byte> uuid = stackalloc byte[16];
        var issuedAt = CreateJwtId(_timeProvider.GetUtcNow(), uuid);
        var jtiGuid = new Guid(uuid, bigEndian: true);
        var iat = issuedAt.ToUnixTimeSeconds();
        var exp = checked(iat + (long)lifetime.TotalSeconds);
        var expiresAt = issuedAt + lifetime;

        // Sized for the usual payload; one small allocation beside the ~40 µs signature.
        var payload = new ArrayBufferWriter<byte>(256 + (user.Name.Length * 3));
        using (var writer = new Utf8JsonWriter(payload, s_writerOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("iss"u8, _issuer);
            writer.WriteString("aud"u8, _audience);
            writer.WriteString("sub"u8, user.Name);
            writer.WriteStartArray("groups"u8);
            foreach (var group in user.Groups)
            {
                writer.WriteStringValue(group);
            }

            writer.WriteEndArray();
            writer.WriteString("tier"u8, tier.Name);
            writer.WriteString("jti"u8, jtiGuid);
            writer.WriteNumber("iat"u8, iat);
            writer.WriteNumber("nbf"u8, iat);
            writer.WriteNumber("exp"u8, exp);
            writer.WriteEndObject();
        }

        var header = key.EncodedHeader;
        var signingInputLength = header.Length + 1 + Base64Url.GetEncodedLength(payload.WrittenSpan.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(signingInputLength + SignatureLength);
        try
        {
            header.CopyTo(buffer, 0);
            buffer[header.Length] = (byte)'.';
            Base64Url.EncodeToUtf8(payload.WrittenSpan, buffer.AsSpan(header.Length + 1), out _, out _);
            var signatureLength = key.Key.SignData(
                buffer.AsSpan(0, signingInputLength),
                buffer.AsSpan(signingInputLength, SignatureLength),
                HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            if (signatureLength != SignatureLength)
            {
                throw new CryptographicException("The ES256 signature has an unexpected length.");
            }

            // Low-S only: the reader refuses the high-S twin, so half our tokens would fail without this.
            P256Signature.NormalizeLowS(buffer.AsSpan(signingInputLength, SignatureLength));

            var token = string.Create(
                signingInputLength + 1 + EncodedSignatureLength,
                (buffer, signingInputLength),
                static (chars, state) =>
                {
                    var (bytes, length) = state;
                    Ascii.ToUtf16(bytes.AsSpan(0, length), chars, out _);
                    chars[length] = '.';
                    Base64Url.EncodeToChars(bytes.AsSpan(length, SignatureLength), chars[(length + 1)..]);
                });

            return new IssuedToken
            {
                Token = token,
                Id = jtiGuid.ToString(),
                IssuedAt = issuedAt,
                ExpiresAt = expiresAt,
            };
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Recovers the issuance instant from a <c>jti</c> made here: the 48-bit Unix millisecond
    /// timestamp plus the 12-bit <c>rand_a</c> fraction of the millisecond (RFC 9562, section
    /// 6.2, method 3), as the first 100 ns tick of that 1/4096 ms step.
    /// </summary>
    internal static bool TryGetIssuedInstant(string? jti, out DateTimeOffset instant)
    {
        instant = default;
        Span<byte> uuid = stackalloc byte[16];
        if (jti is not { Length: 36 }
            || !Guid.TryParseExact(jti, "D", out var guid)
            || !guid.TryWriteBytes(uuid, bigEndian: true, out _)
            || (uuid[6] & 0xF0) != 0x70
            || (uuid[8] & 0xC0) != 0x80)
        {
            return false;
        }

        var milliseconds = (long)(BinaryPrimitives.ReadUInt64BigEndian(uuid) >> 16);
        var step = BinaryPrimitives.ReadUInt16BigEndian(uuid[6..]) & 0x0FFF;
        var ticks = (milliseconds * TicksPerMillisecond) + StepToTicks(step);
        if (ticks > DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks)
        {
            return false;
        }

        instant = DateTimeOffset.UnixEpoch.AddTicks(ticks);
        return true;
    }

    /// <summary>
    /// Writes a UUID version 7 for <paramref name="now"/> into <paramref name="uuid"/> (big-endian)
    /// and returns the instant it encodes, which is never later than <paramref name="now"/>.
    /// </summary>
    internal static DateTimeOffset CreateJwtId(DateTimeOffset now, Span<byte> uuid)
    {
        var ticks = now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        if (ticks < 0)
        {
            throw new InvalidOperationException("The clock is before 1970; a UUID version 7 cannot encode it.");
        }

        var milliseconds = ticks / TicksPerMillisecond;
        var step = (int)(ticks % TicksPerMillisecond * SubMillisecondSteps / TicksPerMillisecond);

        RandomBytes.Fill(uuid[8..16]);
        BinaryPrimitives.WriteUInt64BigEndian(uuid, (ulong)milliseconds << 16);
        BinaryPrimitives.WriteUInt16BigEndian(uuid[6..], (ushort)(0x7000 | step));
        uuid[8] = (byte)(0x80 | (uuid[8] & 0x3F));

        return DateTimeOffset.UnixEpoch.AddTicks((milliseconds * TicksPerMillisecond) + StepToTicks(step));
    }

    // The first tick inside the step: ceil(step * 10,000 / 4,096). Encoding it again gives the same step.
    private static long StepToTicks(int step) =>
        ((step * TicksPerMillisecond) + SubMillisecondSteps - 1) / SubMillisecondSteps;
}
