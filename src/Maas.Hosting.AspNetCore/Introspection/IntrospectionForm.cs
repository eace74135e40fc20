using System.Net;
using System.Text;
using Maas.Hosting.Requests;

namespace Maas.Hosting.Introspection;

/// <summary>
/// The fields of an RFC 7662 request body (<c>application/x-www-form-urlencoded</c>), read
/// straight from the bytes: only <c>token</c> and <c>token_type_hint</c> matter, and a plain
/// token needs no decoding.
/// </summary>
internal readonly record struct IntrospectionForm(string? Token, int TokenCount, int HintCount)
{
    private static ReadOnlySpan<byte> TokenName => "token"u8;

    private static ReadOnlySpan<byte> HintName => "token_type_hint"u8;

    /// <summary>Parses the body; <see langword="false"/> when it is not UTF-8.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out IntrospectionForm form)
    {
        form = default;
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            return false;
        }

        string? token = null;
        int tokens = 0, hints = 0;
        while (!body.IsEmpty)
        {
            var end = body.IndexOf((byte)'&');
            var pair = end < 0 ? body : body[..end];
            body = end < 0 ? [] : body[(end + 1)..];
            if (pair.IsEmpty)
            {
                continue;
            }

            var equals = pair.IndexOf((byte)'=');
            var name = equals < 0 ? pair : pair[..equals];
            var value = equals < 0 ? [] : pair[(equals + 1)..];
            if (Matches(name, TokenName))
            {
                tokens++;
                token = Decode(value);
            }
            else if (Matches(name, HintName))
            {
                hints++;
            }
        }

        form = new IntrospectionForm(token, tokens, hints);
        return true;
    }

    private static bool Matches(ReadOnlySpan<byte> encodedName, ReadOnlySpan<byte> expected) =>
        encodedName.SequenceEqual(expected)
        || (encodedName.IndexOfAny((byte)'%', (byte)'+') >= 0 && Decode(encodedName) == Encoding.ASCII.GetString(expected));

    private static string Decode(ReadOnlySpan<byte> encoded)
    {
        var text = Encoding.UTF8.GetString(encoded);
        return encoded.IndexOfAny((byte)'%', (byte)'+') < 0 ? text : WebUtility.UrlDecode(text);
    }
}
