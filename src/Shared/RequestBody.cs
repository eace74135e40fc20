using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Maas.Hosting.Requests;

/// <summary>
/// A request body read whole into a pooled array, refusing more than a limit whatever the
/// framing (Content-Length or chunked). Dispose to return the array. One source file compiled into
/// the hosting package (the JSON endpoints) and the gateway (the forwarded body), each its own internal copy.
/// </summary>
internal sealed class RequestBody : IDisposable
{
    /// <summary>The largest body any Maas endpoint accepts: 1 MiB.</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>What a client that sent more than <see cref="MaxBytes"/> is told.</summary>
    public const string TooLargeMessage = "Request body is larger than the limit of 1048576 bytes (1 MiB).";

    /// <summary>What a client whose body ended early or was badly framed is told.</summary>
    public const string UnreadableMessage = "Request body could not be read: it ended before its declared length or was badly framed.";

    private byte[] _buffer;

    private RequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    /// <summary>A read-only stream over the body, valid until the body is disposed (the gateway forwards it).</summary>
    public Stream AsStream() => new MemoryStream(_buffer, 0, Length, writable: false);

    /// <summary>
    /// Reads the body; <see langword="null"/> when it is larger than <see cref="MaxBytes"/>. Throws
    /// <see cref="BadHttpRequestException"/> when the body ends early or is badly framed.
    /// </summary>
    public static async ValueTask<RequestBody?> ReadAsync(HttpContext context)
    {
        const int maxBytes = MaxBytes;
        var request = context.Request;
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = maxBytes;
        }

        var initial = request.ContentLength is > 0 and var known ? (int)known + 1 : 4096;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(initial, maxBytes + 1));
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length > maxBytes)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return null;
                }

                var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                buffer.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = larger;
            }

            int read;
            try
            {
                read = await request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted).ConfigureAwait(false);
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return null;
            }

            if (read == 0)
            {
                return new RequestBody(buffer, length);
            }

            length += read;
            if (length > maxBytes)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return null;
            }

            // The declared length is in: no need for one more read to learn the body has ended.
            if (length == request.ContentLength)
            {
                return new RequestBody(buffer, length);
            }
        }
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
