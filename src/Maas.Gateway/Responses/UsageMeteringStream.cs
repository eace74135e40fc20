using System.Buffers;

namespace Maas.Gateway.Responses;

/// <summary>
/// Wraps the client's response body while YARP copies the upstream answer into it, to learn the
/// call's <see cref="TokenUsage"/>. A JSON answer is held whole when the call asks for it
/// (<see cref="HoldUpTo"/>): nothing reaches the client until it ends, then its usage is read, the
/// call settled and its headers written (<see cref="IUsageObserver.OnHeldAnswerEndedAsync"/>), then
/// its bytes go in one write; one that outgrows the bound is let go as it stands and passed through
/// from there on. An answer not held is passed through as it comes and a copy kept (up to
/// <see cref="MaxCapturedBytes"/>) to read its <c>usage</c> at the end. A stream (SSE) is passed through event by event, each written (and so
/// flushed by Kestrel) as soon as it is complete; every usage a chunk carries is read (vLLM's
/// <c>continuous_usage_stats</c> puts a running one in each chunk, each superseding the one before),
/// the usage chunk is dropped when the client did not ask for it, and the completion text that
/// passes is counted (<see cref="StreamedCompletionTokens"/>) for a stream cut before its usage.
/// Only an incomplete event's tail is held back, in a pooled buffer, so the common case of whole
/// events per chunk copies nothing. Chunks are scanned, not parsed: only a usage object is read.
/// </summary>
/// <remarks>
/// <paramref name="observer"/> hears the answer's final usage at most once, when the answer ends:
/// a held answer when it ends (<see cref="IUsageObserver.OnHeldAnswerEndedAsync"/>, with or without
/// usage), another JSON answer once its usage is read, a stream on <c>data: [DONE]</c> (before that event reaches
/// the client, so the call is settled before its caller can send the next one) or, without it, at
/// <see cref="CompleteAsync"/>. A stream that never ends that way (client gone, upstream silent or
/// reset) never reports: its caller settles it from <see cref="Usage"/> and <see cref="StreamedCompletionTokens"/>.
/// </remarks>
internal sealed class UsageMeteringStream(Stream inner, bool isEventStream, bool dropUsageChunk, IUsageObserver observer) : Stream
{
    /// <summary>The largest JSON answer whose usage is read; a larger one settles with its reservation.</summary>
    public const int MaxCapturedBytes = 4 * 1024 * 1024;

    // An "event" longer than this with no blank line is not SSE as OpenAI servers send it: pass it on.
    private const int MaxPendingBytes = 1024 * 1024;

    private byte[]? _buffer;
    private int _length;
    private int _holdLimit;
    private bool _overflowed;
    private bool _reported;
    private bool _ended;

    /// <summary>
    /// Gets or sets whether the answer is a stream (SSE) rather than JSON: at first what the request
    /// asked for, then, before the body flows, what the upstream's <c>Content-Type</c> says, so that
    /// a stream is metered as one whatever the request led the gateway to expect.
    /// </summary>
    public bool IsEventStream { get; set; } = isEventStream;

    /// <summary>Gets the last usage seen: a stream's latest usage chunk (running or final), or the JSON answer's once read.</summary>
    public TokenUsage? Usage { get; private set; }

    /// <summary>
    /// Gets an estimate of the completion tokens the stream's chunks carried so far, counted from
    /// their delta text without parsing them (see <see cref="DeltaTokens"/>).
    /// </summary>
    public long StreamedCompletionTokens { get; private set; }

    /// <summary>Gets whether the answer is still held: nothing of it has reached the client yet.</summary>
    public bool IsHeld => _holdLimit > 0;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Holds the answer, when it is not a stream, until it ends or outgrows <paramref name="maxBytes"/>
    /// (at most <see cref="MaxCapturedBytes"/>), so that its headers can carry its settled usage.
    /// Called before the body flows; a held answer's bytes are pooled, never more than the bound.
    /// </summary>
    public void HoldUpTo(int maxBytes)
    {
        if (!IsEventStream && maxBytes > 0)
        {
            _holdLimit = Math.Min(maxBytes, MaxCapturedBytes);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!IsEventStream)
        {
            if (_holdLimit > 0)
            {
                if (buffer.Length <= _holdLimit - _length)
                {
                    Hold(buffer.Span);
                    return;
                }

                // Too large to hold: what was held goes with the headers as they stand, the rest as it comes.
                _holdLimit = 0;
                observer.OnHeldAnswerReleased();
                if (_length > 0)
                {
                    await inner.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
                }
            }

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

    // A held answer is not flushed: that would send its headers before its usage is known.
    public override Task FlushAsync(CancellationToken cancellationToken) => _holdLimit > 0 ? Task.CompletedTask : inner.FlushAsync(cancellationToken);

    public override void Flush()
    {
        if (_holdLimit == 0)
        {
            inner.Flush();
        }
    }

    /// <summary>
    /// Ends the answer the upstream ended: a stream's unterminated last event is inspected, the last
    /// usage seen reported, then the event written; a held answer's usage is read, the observer told
    /// (it settles the call and writes the headers), then the answer written; another JSON answer's
    /// usage is read and reported. Not for an answer that was cut: its last usage seen is not its
    /// final one (see <see cref="AbandonAsync"/>).
    /// </summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (_holdLimit > 0)
        {
            _holdLimit = 0;
            TokenUsage? usage = null;
            if (_length > 0 && TokenUsage.TryRead(_buffer.AsSpan(0, _length), out var read, out _))
            {
                Usage = usage = read;
            }

            _reported = true;
            await observer.OnHeldAnswerEndedAsync(usage).ConfigureAwait(false);
            if (_length > 0)
            {
                await inner.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        if (IsEventStream)
        {
            var last = _buffer.AsMemory(0, _length);
            _length = 0;
            var drop = !last.IsEmpty && Inspect(last.Span);
            await ReportAsync().ConfigureAwait(false);
            if (!last.IsEmpty && !drop)
            {
                await inner.WriteAsync(last, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        await ReadJsonUsageAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Ends a JSON answer that was cut (the client left): a usage it showed before (a held answer's
    /// included) is read and reported; nothing more is written, and a held answer never goes.
    /// </summary>
    public ValueTask AbandonAsync()
    {
        _holdLimit = 0;
        return IsEventStream ? ValueTask.CompletedTask : ReadJsonUsageAsync();
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
            if (_ended && !_reported)
            {
                // data: [DONE]: the last usage seen is the final one; settle before the client sees the end.
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
        return observer.OnUsageAsync(usage);
    }

    private ValueTask ReadJsonUsageAsync()
    {
        if (!_reported && !_overflowed && _length > 0 && TokenUsage.TryRead(_buffer.AsSpan(0, _length), out var usage, out _))
        {
            Usage = usage;
            return ReportAsync();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Records what an event tells: the end (<c>[DONE]</c>), the completion text it streams, the
    /// usage it carries (superseding the one before); returns whether the event is to be dropped.
    /// </summary>
    private bool Inspect(ReadOnlySpan<byte> sseEvent)
    {
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

        payload = payload.Trim(" \r"u8);
        if (payload.SequenceEqual("[DONE]"u8))
        {
            _ended = true;
            return false;
        }

        StreamedCompletionTokens += DeltaTokens(payload);

        if (FindUsage(payload) is not { } usage)
        {
            return false;
        }

        Usage = usage;
        return dropUsageChunk && ChoicesEmpty(payload);
    }

    /// <summary>
    /// The usage object a chunk carries, read where it stands without parsing the rest of the chunk.
    /// Most chunks carry none, or <c>"usage":null</c>: one vectorized search rules them out. OpenAI
    /// and vLLM write it as the chunk's last member, so the search runs from the end; a member
    /// <c>"usage"</c> that is not an object is passed over. Text in a chunk cannot fake one: its
    /// quotes are escaped.
    /// </summary>
    private static TokenUsage? FindUsage(ReadOnlySpan<byte> payload)
    {
        while (payload.LastIndexOf("\"usage\""u8) is var at and >= 0)
        {
            var value = payload[(at + 7)..].TrimStart(" \t"u8);
            if (value is [(byte)':', ..] && TokenUsage.TryReadObject(value[1..].TrimStart(" \t"u8), out var usage))
            {
                return usage;
            }

            payload = payload[..at];
        }

        return null;
    }

    /// <summary>Whether a chunk has no choices (<c>"choices":[]</c>, or none at all), as the usage-only final chunk of a stream.</summary>
    private static bool ChoicesEmpty(ReadOnlySpan<byte> payload)
    {
        var at = payload.IndexOf("\"choices\""u8);
        return at < 0 || payload[(at + 9)..].TrimStart(" \t:"u8) is [(byte)'[', .. var rest] && rest.TrimStart(" \t"u8).StartsWith("]"u8);
    }

    /// <summary>
    /// The completion tokens one chunk streams, counted cheaply from its delta text: each non-empty
    /// string member named <c>content</c> (or <c>reasoning_content</c>), <c>text</c> (completions)
    /// or <c>arguments</c> (tool calls) counts a token per 4 bytes of its JSON text, and at least
    /// one. OpenAI and vLLM stream about one token per chunk, so this counts about one per chunk,
    /// more for a chunk carrying a longer run of text, and nothing for a role-only or finish chunk.
    /// Escaped text counts its escapes: an estimate that errs high, used only for a cut stream.
    /// </summary>
    private static long DeltaTokens(ReadOnlySpan<byte> payload) =>
        TextTokens(payload, "content\""u8) + TextTokens(payload, "\"text\""u8) + TextTokens(payload, "\"arguments\""u8);

    private static long TextTokens(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> member)
    {
        long tokens = 0;
        while (true)
        {
            var at = payload.IndexOf(member);
            if (at < 0)
            {
                return tokens;
            }

            payload = payload[(at + member.Length)..];
            var value = payload.TrimStart(" \t"u8);
            if (value is not [(byte)':', ..])
            {
                continue;
            }

            value = value[1..].TrimStart(" \t"u8);
            if (value is not [(byte)'"', ..])
            {
                continue;
            }

            value = value[1..];
            var length = StringLength(value);
            if (length > 0)
            {
                tokens += Math.Max(1, length / 4);
            }

            payload = value[length..];
        }
    }

    /// <summary>The bytes of a JSON string's text up to its closing quote (escapes skipped), or all of them when it is cut.</summary>
    private static int StringLength(ReadOnlySpan<byte> text)
    {
        var i = 0;
        while (true)
        {
            var next = text[i..].IndexOfAny((byte)'"', (byte)'\\');
            if (next < 0)
            {
                return text.Length;
            }

            i += next;
            if (text[i] == (byte)'"')
            {
                return i;
            }

            i += 2;
            if (i >= text.Length)
            {
                return text.Length;
            }
        }
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
