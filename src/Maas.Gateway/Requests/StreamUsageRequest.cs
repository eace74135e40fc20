using System.Buffers;
using System.Text.Json;

namespace Maas.Gateway.Requests;

/// <summary>
/// Rewrites a streaming request so the upstream ends its stream with a usage chunk
/// (<c>stream_options.include_usage: true</c>), which the gateway needs to settle the call's tokens.
/// </summary>
internal static class StreamUsageRequest
{
    private static readonly byte[] Insertion = "\"stream_options\":{\"include_usage\":true}"u8.ToArray();

    /// <summary>Returns the rewritten body in a pooled array (return it to <see cref="ArrayPool{T}.Shared"/>).</summary>
    public static (byte[] Buffer, int Length) Rewrite(ReadOnlySpan<byte> body, bool hasStreamOptions)
    {
        if (!hasStreamOptions)
        {
            // The common case: splice the member in after '{' without parsing the body again.
            var open = body.IndexOf((byte)'{');
            var rest = body[(open + 1)..];
            var empty = rest.TrimStart(" \t\r\n"u8).StartsWith("}"u8);
            var length = body.Length + Insertion.Length + (empty ? 0 : 1);
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            body[..(open + 1)].CopyTo(buffer);
            var at = open + 1;
            Insertion.CopyTo(buffer.AsSpan(at));
            at += Insertion.Length;
            if (!empty)
            {
                buffer[at++] = (byte)',';
            }

            rest.CopyTo(buffer.AsSpan(at));
            return (buffer, length);
        }

        // The client sent stream_options without include_usage true: rare, but still spliced, not
        // parsed into a document, which would refuse a body with any member sent twice (a 500).
        var (spliceAt, remove, insert) = Splice(body);
        var size = body.Length - remove + insert.Length;
        var result = ArrayPool<byte>.Shared.Rent(size);
        body[..spliceAt].CopyTo(result);
        insert.CopyTo(result.AsSpan(spliceAt));
        body[(spliceAt + remove)..].CopyTo(result.AsSpan(spliceAt + insert.Length));
        return (result, size);
    }

    /// <summary>
    /// Finds what to change in a body whose top-level <c>stream_options</c> exists (as
    /// <see cref="ModelRequest.Read"/> checked it: once, an object or <c>null</c>, its
    /// <c>include_usage</c> at most once and a boolean or <c>null</c>): where, how many bytes go, what comes in.
    /// </summary>
    private static (int At, int Remove, byte[] Insert) Splice(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isStreamOptions = reader.ValueTextEquals("stream_options"u8);
            reader.Read();
            if (!isStreamOptions)
            {
                reader.Skip();
                continue;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                // null: the whole object goes in its place.
                return ((int)reader.TokenStartIndex, reader.ValueSpan.Length, "{\"include_usage\":true}"u8.ToArray());
            }

            var open = (int)reader.TokenStartIndex;
            var empty = true;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                empty = false;
                var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
                reader.Read();
                if (isIncludeUsage)
                {
                    // false or null, a literal: true goes in its place.
                    return ((int)reader.TokenStartIndex, reader.ValueSpan.Length, "true"u8.ToArray());
                }

                reader.Skip();
            }

            return (open + 1, 0, empty ? "\"include_usage\":true"u8.ToArray() : "\"include_usage\":true,"u8.ToArray());
        }

        throw new InvalidOperationException("The body has no stream_options to rewrite.");
    }
}
