using System.Buffers.Binary;
using System.Buffers.Text;
using Maas.Auditing;
using Maas.Errors;
using Maas.Hosting.Requests;

namespace Maas.Hosting.Auditing;

/// <summary>
/// The opaque <c>next_cursor</c> of <c>GET /v1/audit</c>: base64url of the last entry's instant (UTC
/// ticks) and sequence, 16 bytes. It names a position, not a page number, so it stays valid and
/// cheap however deep, and entries appended meanwhile never shift it.
/// Public so that another front end of the trail (the self-service page) pages with the same cursors.
/// </summary>
public static class AuditCursor
{
    private const int Length = 16;

    /// <summary>Writes the cursor of the page after <paramref name="position"/>.</summary>
    /// <param name="position">The last entry of a page (<c>AuditPage.Next</c>).</param>
    /// <returns>The opaque cursor, 22 characters of base64url.</returns>
    public static string Write(AuditPosition position)
    {
        Span<byte> bytes = stackalloc byte[Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, position.At.UtcTicks);
        BinaryPrimitives.WriteInt64BigEndian(bytes[8..], position.Sequence);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>Reads a cursor this server wrote; throws <see cref="InvalidRequestException"/> for anything else.</summary>
    /// <param name="text">The cursor as the client sent it.</param>
    /// <returns>The position the next page starts after.</returns>
    public static AuditPosition Read(string text)
    {
        Span<byte> bytes = stackalloc byte[Length + 2];
        if (text.Length <= 32
            && CursorText.TryDecode(text, bytes, out var written)
            && written == Length)
        {
            var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
            var sequence = BinaryPrimitives.ReadInt64BigEndian(bytes[8..Length]);
            if (ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks && sequence > 0)
            {
                return new AuditPosition(new DateTimeOffset(ticks, TimeSpan.Zero), sequence);
            }
        }

        throw new InvalidRequestException("cursor", "cursor is not a cursor this server issued; pass next_cursor from the previous page unchanged.");
    }
}
