using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Maas.Gateway.Requests;

/// <summary>
/// Finds the caller's credential in a request body, as the upstream would see it once decoded:
/// every string value and member name is compared unescaped, so <c>"\u0073k-maas-…"</c> is caught
/// like <c>"sk-maas-…"</c>.
/// </summary>
/// <remarks>
/// The fast path costs two scans of the bytes: the credential as it is, and a backslash. Only a
/// body with a backslash is read token by token, and only its strings that hold an escape are
/// unescaped. The body was already read whole by <see cref="ModelRequest.Read"/>, so it is valid JSON.
/// </remarks>
internal static class CredentialInBody
{
    /// <summary>What a caller whose body carries its credential is told.</summary>
    public const string FoundMessage = "The request body contains the caller's credential; send it only in the Authorization header.";

    /// <summary>What a caller is told whose body has an escaped string that decodes to no text (a lone surrogate), which cannot be checked.</summary>
    public const string UncheckableMessage = "The request body has an escaped string that is not valid text (a lone surrogate); it cannot be checked for the caller's credential.";

    /// <summary>Returns why the body is refused (<see cref="FoundMessage"/> or <see cref="UncheckableMessage"/>), or <see langword="null"/> when it does not carry the credential.</summary>
    public static string? Check(ReadOnlySpan<byte> body, string credential)
    {
        // The credential's UTF-8 bytes on the stack (a token or key is well under 1 KiB), not a new array per call.
        var length = Encoding.UTF8.GetByteCount(credential);
        if (length == 0 || length > body.Length)
        {
            return null;
        }

        byte[]? rented = null;
        var bytes = length <= 1024 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            Encoding.UTF8.GetBytes(credential, bytes);
            if (body.IndexOf(bytes) >= 0)
            {
                return FoundMessage;
            }

            return body.IndexOf((byte)'\\') < 0 ? null : CheckEscaped(body, bytes);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static string? CheckEscaped(ReadOnlySpan<byte> body, ReadOnlySpan<byte> credential)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        byte[]? buffer = null;
        var uncheckable = false;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName) || !reader.ValueIsEscaped)
                {
                    continue;
                }

                // Unescaped UTF-8 is never longer than the escaped text.
                var escaped = reader.ValueSpan.Length;
                if (buffer is null || buffer.Length < escaped)
                {
                    if (buffer is not null)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }

                    buffer = ArrayPool<byte>.Shared.Rent(escaped);
                }

                int written;
                try
                {
                    written = reader.CopyString(buffer);
                }
                catch (InvalidOperationException)
                {
                    // A lone surrogate: what cannot be decoded here cannot be shown safe (an
                    // upstream's decoder may accept it); the rest is still searched for the credential.
                    uncheckable = true;
                    continue;
                }

                if (buffer.AsSpan(0, written).IndexOf(credential) >= 0)
                {
                    return FoundMessage;
                }
            }
        }
        catch (JsonException)
        {
            // Not reached for a body ModelRequest.Read accepted; refused all the same.
            return UncheckableMessage;
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        return uncheckable ? UncheckableMessage : null;
    }
}
