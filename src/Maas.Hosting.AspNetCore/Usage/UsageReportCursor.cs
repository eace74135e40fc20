using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Maas.Errors;
using Maas.Hosting.Requests;
using Maas.Usage;

namespace Maas.Hosting.Usage;

/// <summary>
/// The opaque <c>next_cursor</c> of <c>GET /v1/usage/report</c>, written and read as the audit
/// trail's cursor is (base64url of a position, decoded strictly): the last entry's total tokens and
/// group, then 8 bytes of SHA-256 over the report's parameters and that position. The check binds
/// the cursor to the report that issued it, so a cursor edited by hand, or passed to a report of
/// another range, grouping or filter, is a 400 rather than a page of something else. It is not a
/// secret: it only keeps a client's mistake from passing silently. Public so that another front end of
/// the report (the self-service page) pages with the same cursors.
/// </summary>
public static class UsageReportCursor
{
    /// <summary>The longest cursor text read; a group (a user, model, tier or label value) fits several times over.</summary>
    internal const int MaxLength = 8192;

    private const byte Version = 1;
    private const int CheckLength = 8;
    private const string Refusal = "cursor is not a cursor of this report; pass next_cursor from the previous page unchanged, with the same from, to, group_by and filters.";

    /// <summary>Writes the cursor of the page after <paramref name="position"/> of the report <paramref name="query"/> asks for.</summary>
    /// <param name="query">The report's parameters (its <see cref="UsageReportQuery.After"/> is ignored).</param>
    /// <param name="position">Where the next page starts: <see cref="UsageReportPage.Next"/>.</param>
    /// <returns>The opaque cursor, base64url.</returns>
    public static string Write(UsageReportQuery query, UsageReportPosition position)
    {
        ArgumentNullException.ThrowIfNull(query);
        var group = position.Group is null ? [] : Encoding.UTF8.GetBytes(position.Group);
        var bytes = new byte[1 + 8 + 1 + group.Length + CheckLength];
        bytes[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1), position.TotalTokens);
        bytes[9] = position.Group is null ? (byte)0 : (byte)1;
        group.CopyTo(bytes.AsSpan(10));
        Check(query, bytes.AsSpan(0, bytes.Length - CheckLength), bytes.AsSpan(bytes.Length - CheckLength));
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>Reads a cursor this server wrote for <paramref name="query"/> (whose <see cref="UsageReportQuery.After"/> is ignored); throws <see cref="InvalidRequestException"/> for anything else.</summary>
    internal static UsageReportPosition Read(UsageReportQuery query, string text)
    {
        var bytes = new byte[Base64Url.GetMaxDecodedLength(Math.Min(text.Length, MaxLength))];
        if (text.Length <= MaxLength
            && CursorText.TryDecode(text, bytes, out var written)
            && written >= 1 + 8 + 1 + CheckLength
            && bytes[0] == Version
            && bytes[9] is 0 or 1)
        {
            var body = bytes.AsSpan(0, written - CheckLength);
            Span<byte> expected = stackalloc byte[CheckLength];
            Check(query, body, expected);
            var total = BinaryPrimitives.ReadInt64BigEndian(body[1..]);
            var hasGroup = body[9] == 1;
            if (CryptographicOperations.FixedTimeEquals(expected, bytes.AsSpan(written - CheckLength, CheckLength))
                && total >= 0
                && (hasGroup || body.Length == 10))
            {
                try
                {
                    var group = hasGroup ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body[10..]) : null;
                    return new UsageReportPosition(total, group);
                }
                catch (DecoderFallbackException)
                {
                    // Falls through to the refusal.
                }
            }
        }

        throw new InvalidRequestException("cursor", Refusal);
    }

    /// <summary>The first bytes of SHA-256 over the report's parameters and the position's bytes.</summary>
    private static void Check(UsageReportQuery query, ReadOnlySpan<byte> position, Span<byte> check)
    {
        var parameters = string.Join(
            '\n',
            query.From.UtcTicks,
            query.To.UtcTicks,
            (int)query.GroupBy,
            query.Label ?? "",
            query.User is null ? "-" : "=" + query.User,
            query.Model is null ? "-" : "=" + query.Model,
            query.Tier is null ? "-" : "=" + query.Tier);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(parameters));
        hash.AppendData([0]);
        hash.AppendData(position);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        digest[..CheckLength].CopyTo(check);
    }
}
