using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

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

        // The client sent stream_options without include_usage: rare, so a document is fine here.
        var node = JsonNode.Parse(body)!.AsObject();
        if (node["stream_options"] is JsonObject options)
        {
            options["include_usage"] = true;
        }
        else
        {
            node["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        var writer = new ArrayBufferWriter<byte>(body.Length + 64);
        using (var json = new Utf8JsonWriter(writer))
        {
            node.WriteTo(json);
        }

        var result = ArrayPool<byte>.Shared.Rent(writer.WrittenCount);
        writer.WrittenSpan.CopyTo(result);
        return (result, writer.WrittenCount);
    }
}
