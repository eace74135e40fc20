using System.Buffers;

namespace Maas.Gateway.Responses;

/// <summary>
/// Wraps the client's response body while YARP copies the upstream answer into it, to learn the
/// call's <see cref="TokenUsage"/> without buffering what the client receives. A JSON answer is
/// passed through as it comes and a copy kept (up to <see cref="MaxCapturedBytes"/>) to read its
/// <c>usage</c> at the end. A stream (SSE) is passed through event by event, each written (and so
/// flushed by Kestrel) as soon as it is complete; the usage chunk is read, and dropped when the
/// client did not ask for it. Only an incomplete event's tail is held back, in a pooled buffer, so
/// the common case of whole events per chunk copies nothing.
/// </summary>
/// <remarks>
/// <paramref name="onUsage"/> runs once, as soon as the usage is known and before the bytes that end
/// the answer reach the client, so the call is settled before its caller can send the next one.
/// </remarks>
internal sealed class UsageMeteringStream(Stream inner, bool isEventStream, bool dropUsageChunk, Func<TokenUsage, ValueTask> onUsage) : Stream
{
    /// <summary>The largest JSON answer whose usage is read; a larger one settles with its reservation.</summary>
    public const int MaxCapturedBytes = 4 * 1024 * 1024;

    // An "event" longer than this with no blank line is not SSE as OpenAI servers send it: pass it on.
    private const int MaxPendingBytes = 1024 * 1024;

    private byte[]? _buffer;
    private int _length;
    private bool _overflowed;
    private bool _reported;

    /// <summary>Gets the usage seen so far: the stream's usage chunk, or the JSON answer's once <see cref="CompleteAsync"/> ran.</summary>
    public TokenUsage? Usage { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!isEventStream)
        {
            Capture(buffer.Span);
            if (!_reported && !_overflowed && buffer.Span.TrimEnd(" \t\r\n"u8).EndsWith("}"u8)
                && TokenUsage.TryRead(_buffer.AsSpan(0, _length), out var usage, out _))
            {
                Usage = usage;
                await ReportAsync().ConfigureAwait(false);
            }

            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (_length == 0)
        {
            var consumed = await WriteEventsAsync(buffer, cancellationToken).ConfigureAwait(false);
            Hold(buffer.Span[consumed..]);
            return;
        }

        Hold(buffer.Span);
        var pending = _buffer!.AsMemory(0, _length);
        var done = await WriteEventsAsync(pending, cancellationToken).ConfigureAwait(false);
        _buffer.AsSpan(done, _length - done).CopyTo(_buffer);
        _length -= done;
        if (_length > MaxPendingBytes)
        {
            await inner.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
            _length = 0;
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    /// <summary>Ends the answer: a stream's unterminated last event is inspected and written; a JSON answer's usage is read.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (isEventStream)
        {
            if (_length > 0)
            {
                var last = _buffer.AsMemory(0, _length);
                _length = 0;
                var drop = Inspect(last.Span);
                await ReportAsync().ConfigureAwait(false);
                if (!drop)
                {
                    await inner.WriteAsync(last, cancellationToken).ConfigureAwait(false);
                }
            }

            return;
        }

        if (!_reported && !_overflowed && _length > 0 && TokenUsage.TryRead(_buffer.AsSpan(0, _length), out var usage, out _))
        {
            Usage = usage;
            await ReportAsync().ConfigureAwait(false);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        var buffer = _buffer;
        _buffer = null;
        _length = 0;
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        base.Dispose(disposing);
    }

    /// <summary>Writes every complete event of <paramref name="data"/> that the client should see; returns how many bytes were complete events.</summary>
    private async ValueTask<int> WriteEventsAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var start = 0;
        var runStart = 0;
        while (true)
        {
            var end = FindEventEnd(data.Span, start);
            if (end < 0)
            {
                break;
            }

            var drop = Inspect(data.Span[start..end]);
            if (Usage is not null && !_reported)
            {
                await ReportAsync().ConfigureAwait(false);
            }

            if (drop)
            {
                if (start > runStart)
                {
                    await inner.WriteAsync(data[runStart..start], cancellationToken).ConfigureAwait(false);
                }

                runStart = end;
            }

            start = end;
        }

        if (start > runStart)
        {
            await inner.WriteAsync(data[runStart..start], cancellationToken).ConfigureAwait(false);
        }

        return start;
    }

    private ValueTask ReportAsync()
    {
        if (_reported || Usage is not { } usage)
        {
            return ValueTask.CompletedTask;
        }

        _reported = true;
        return onUsage(usage);
    }

    /// <summary>Records the usage an event carries; returns whether the event is to be dropped.</summary>
    private bool Inspect(ReadOnlySpan<byte> sseEvent)
    {
        // Most chunks carry no usage, or "usage":null: one vectorized search rules them out.
        var at = sseEvent.IndexOf("\"usage\""u8);
        if (at < 0 || sseEvent[(at + 7)..].TrimStart(" \t:"u8).StartsWith("null"u8))
        {
            return false;
        }

        var data = sseEvent.IndexOf("data:"u8);
        if (data < 0)
        {
            return false;
        }

        var payload = sseEvent[(data + 5)..];
        var lineEnd = payload.IndexOf((byte)'\n');
        if (lineEnd >= 0)
        {
            payload = payload[..lineEnd];
        }

        if (!TokenUsage.TryRead(payload.Trim(" \r"u8), out var usage, out var choicesEmpty))
        {
            return false;
        }

        Usage = usage;
        return dropUsageChunk && choicesEmpty;
    }

    /// <summary>The index just past the blank line that ends the first event at or after <paramref name="start"/>, or -1.</summary>
    private static int FindEventEnd(ReadOnlySpan<byte> data, int start)
    {
        var rest = data[start..];
        var lf = rest.IndexOf("\n\n"u8);
        var crlf = rest.IndexOf("\n\r\n"u8);
        if (lf < 0 && crlf < 0)
        {
            return -1;
        }

        return lf >= 0 && (crlf < 0 || lf < crlf) ? start + lf + 2 : start + crlf + 3;
    }

    private void Capture(ReadOnlySpan<byte> data)
    {
        if (_overflowed)
        {
            return;
        }

        if (_length + data.Length > MaxCapturedBytes)
        {
            _overflowed = true;
            return;
        }

        Hold(data);
    }

    private void Hold(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        var needed = _length + data.Length;
        if (_buffer is null || _buffer.Length < needed)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 4096));
            if (_buffer is not null)
            {
                _buffer.AsSpan(0, _length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = larger;
        }

        data.CopyTo(_buffer.AsSpan(_length));
        _length = needed;
    }
}
