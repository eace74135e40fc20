using System.Buffers.Text;

namespace Maas.Hosting.Requests;

/// <summary>
/// Decodes the base64url of a cursor a client sent back. <see cref="Base64Url.TryDecodeFromChars(ReadOnlySpan{char}, Span{byte}, out int)"/>
/// throws <see cref="FormatException"/> for text that is not base64url (a character outside the
/// alphabet, final bits that are not zero) instead of answering false, and a client's typo must be a
/// 400 naming the cursor, never a 500.
/// </summary>
internal static class CursorText
{
    /// <summary>Decodes <paramref name="text"/> into <paramref name="bytes"/>; false for anything that is not base64url or does not fit.</summary>
    public static bool TryDecode(ReadOnlySpan<char> text, Span<byte> bytes, out int written)
    {
        try
        {
            return Base64Url.TryDecodeFromChars(text, bytes, out written);
        }
        catch (FormatException)
        {
            written = 0;
            return false;
        }
    }
}
