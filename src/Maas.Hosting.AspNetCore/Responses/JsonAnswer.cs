using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Maas.Hosting.Responses;

/// <summary>
/// A JSON answer serialized into a pooled buffer and written in one piece with its
/// <c>Content-Length</c>: no chunked encoding and no per-request buffer on the hot paths.
/// </summary>
internal sealed class JsonAnswer<T>(T value, JsonTypeInfo<T> typeInfo, int statusCode = StatusCodes.Status200OK, string contentType = "application/json; charset=utf-8") : IResult
{
    [ThreadStatic]
    private static PooledBufferWriter? t_buffer;

    public T Value => value;

    public int StatusCode => statusCode;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var buffer = t_buffer ?? new PooledBufferWriter();
        t_buffer = null;
        try
        {
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, Encoder = typeInfo.Options.Encoder }))
            {
                JsonSerializer.Serialize(writer, value, typeInfo);
            }

            var response = httpContext.Response;
            response.StatusCode = statusCode;
            response.ContentType = contentType;
            response.ContentLength = buffer.WrittenCount;
            await response.Body.WriteAsync(buffer.WrittenMemory, httpContext.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            buffer.Reset();
            t_buffer = buffer;
        }
    }
}

/// <summary>An <see cref="IBufferWriter{T}"/> over arrays from the shared pool; kept per thread between answers.</summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>
{
    private const int LargestKept = 64 * 1024;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(1024);

    public int WrittenCount { get; private set; }

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, WrittenCount);

    public void Advance(int count) => WrittenCount += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(WrittenCount);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(WrittenCount);
    }

    public void Reset()
    {
        WrittenCount = 0;
        if (_buffer.Length > LargestKept)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(1024);
        }
    }

    private void Ensure(int sizeHint)
    {
        var needed = WrittenCount + Math.Max(sizeHint, 256);
        if (needed <= _buffer.Length)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, WrittenCount).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
