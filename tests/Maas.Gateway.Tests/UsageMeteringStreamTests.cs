using System.Text;
using Maas.Gateway.Responses;

namespace Maas.Gateway.Tests;

/// <summary>What the response side reads from a stream as it passes: running usage, the end, the completion text, whatever the chunking.</summary>
public sealed class UsageMeteringStreamTests
{
    private static string Chunk(string delta, string? usage) =>
        $$"""data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{{delta}},"finish_reason":null}]{{(usage is null ? "" : ",\"usage\":" + usage)}}}""" + "\n\n";

    private static string Usage(int prompt, int completion) => $$"""{"prompt_tokens":{{prompt}},"total_tokens":{{prompt + completion}},"completion_tokens":{{completion}}}""";

    // vLLM with continuous_usage_stats: a running usage in every chunk, then the usage-only chunk, then [DONE].
    private static readonly string Continuous =
        Chunk("""{"role":"assistant","content":""}""", Usage(9, 0))
        + string.Concat(Enumerable.Range(1, 5).Select(i => Chunk("""{"content":" tok"}""", Usage(9, i))))
        + """data: {"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":9,"total_tokens":14,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":2}}}""" + "\n\n"
        + "data: [DONE]\n\n";

    [Fact]
    public async Task Each_running_usage_supersedes_the_last_and_the_final_one_is_reported_once_before_done_reaches_the_client()
    {
        var run = await RunAsync(Continuous, [Continuous.Length], dropUsageChunk: false, complete: true);

        var reported = Assert.Single(run.Reported);
        Assert.Equal(new TokenUsage(9, 5, 14), reported.Usage);
        Assert.DoesNotContain("[DONE]", reported.ClientSawSoFar, StringComparison.Ordinal);
        Assert.Equal(Continuous, run.Output);
        Assert.Equal(5, run.StreamedCompletionTokens);
    }

    [Fact]
    public async Task Cut_anywhere_before_done_a_stream_reports_nothing_and_holds_its_last_running_usage_and_what_it_streamed()
    {
        var done = Continuous.IndexOf("data: [DONE]", StringComparison.Ordinal);
        for (var cut = 0; cut < done; cut++)
        {
            var seen = Continuous[..cut];
            var complete = seen[..(seen.LastIndexOf("\n\n", StringComparison.Ordinal) + 1 is var end and > 0 ? end + 1 : 0)];
            var run = await RunAsync(seen, [seen.Length], dropUsageChunk: false, complete: false);

            Assert.Empty(run.Reported);
            var chunks = complete.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
            var expected = chunks.Length == 0 ? (TokenUsage?)null : chunks.Length <= 6 ? new TokenUsage(9, chunks.Length - 1, 8 + chunks.Length) : new TokenUsage(9, 5, 14);
            Assert.Equal(expected, run.Usage);
            Assert.Equal(Math.Min(5, Math.Max(0, chunks.Length - 1)), run.StreamedCompletionTokens);
        }
    }

    [Fact]
    public async Task However_the_upstream_splits_the_stream_the_client_gets_the_same_bytes_and_the_same_usage_is_reported()
    {
        var random = new Random(20);
        var expected = await RunAsync(Continuous, [Continuous.Length], dropUsageChunk: true, complete: true);
        Assert.DoesNotContain("\"choices\":[]", expected.Output, StringComparison.Ordinal);
        for (var i = 0; i < 3000; i++)
        {
            var pieces = new List<int>();
            for (var left = Continuous.Length; left > 0;)
            {
                var piece = Math.Min(left, random.Next(1, i % 3 == 0 ? 8 : 200));
                pieces.Add(piece);
                left -= piece;
            }

            var run = await RunAsync(Continuous, [.. pieces], dropUsageChunk: true, complete: true);

            Assert.Equal(expected.Output, run.Output);
            Assert.Equal(new TokenUsage(9, 5, 14), Assert.Single(run.Reported).Usage);
            Assert.Equal(expected.StreamedCompletionTokens, run.StreamedCompletionTokens);
        }
    }

    [Fact]
    public async Task A_stream_that_ends_without_done_reports_its_last_usage_when_completed()
    {
        var withoutDone = Continuous[..Continuous.IndexOf("data: [DONE]", StringComparison.Ordinal)];

        var run = await RunAsync(withoutDone.TrimEnd('\n'), [withoutDone.Length - 2], dropUsageChunk: false, complete: true);

        Assert.Equal(new TokenUsage(9, 5, 14), Assert.Single(run.Reported).Usage);
        Assert.Equal(withoutDone.TrimEnd('\n'), run.Output);
    }

    [Theory]
    [InlineData("""{"role":"assistant","content":""}""", 0)]
    [InlineData("""{"content":null}""", 0)]
    [InlineData("""{}""", 0)]
    [InlineData("""{"content":" tok"}""", 1)]
    [InlineData("""{"content":"Hello"}""", 1)]
    [InlineData("""{"content": "a"}""", 1)]
    [InlineData("""{"content":"a longer run of forty bytes of text here"}""", 10)]
    [InlineData("""{"content":"say \"usage\":{\"total_tokens\":1} \\"}""", 9)]
    [InlineData("""{"reasoning_content":"think"}""", 1)]
    [InlineData("""{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"{\"city\":\"Paris\"}"}}]}""", 5)]
    public async Task Delta_text_counts_a_token_per_four_bytes_and_at_least_one_when_not_empty(string delta, long tokens)
    {
        var sse = Chunk(delta, null);

        var run = await RunAsync(sse, [sse.Length], dropUsageChunk: false, complete: false);

        Assert.Equal(tokens, run.StreamedCompletionTokens);
        Assert.Null(run.Usage);
    }

    [Fact]
    public async Task Completions_text_counts_and_a_usage_that_is_null_or_not_an_object_is_passed_over()
    {
        const string sse = "data: {\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\" tok\",\"type\":\"usage\"}],\"usage\" : null}\n\n"
            + "data: {\"choices\":[],\"usage\" : {\"prompt_tokens\":2,\"completion_tokens\":1},\"kind\":\"usage\"}\n\n";

        var run = await RunAsync(sse, [sse.Length], dropUsageChunk: false, complete: false);

        Assert.Equal(1, run.StreamedCompletionTokens);
        Assert.Equal(new TokenUsage(2, 1, 3), run.Usage);
    }

    [Fact]
    public async Task A_held_answer_reaches_the_client_only_after_the_call_heard_its_end_and_a_cut_one_never()
    {
        const string answer = """{"id":"c","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":11,"total_tokens":18}}""";
        var bytes = Encoding.UTF8.GetBytes(answer);
        using var client = new MemoryStream();
        var observer = new UsageObserver();
        var probe = new HeldEndProbe(client, observer);
        await using (var metering = new UsageMeteringStream(client, isEventStream: false, dropUsageChunk: false, probe))
        {
            metering.HoldUpTo(1024);
            await metering.WriteAsync(bytes.AsMemory(0, 40));
            await metering.FlushAsync();
            await metering.WriteAsync(bytes.AsMemory(40));
            Assert.Equal(0, client.Length);
            await metering.CompleteAsync(CancellationToken.None);
        }

        // The call heard the end (and settled) before the client got a byte; then it got the answer whole.
        Assert.Equal(0, probe.ClientBytesAtEnd);
        Assert.Equal(new TokenUsage(7, 11, 18), Assert.Single(observer.HeldEnds));
        Assert.Equal(0, observer.Releases);
        Assert.Equal(answer, Encoding.UTF8.GetString(client.ToArray()));

        // Cut (the client left) after its usage passed: the usage is reported, nothing is written.
        var reported = new List<TokenUsage>();
        using var gone = new MemoryStream();
        var cutObserver = new UsageObserver(usage =>
        {
            reported.Add(usage);
            return ValueTask.CompletedTask;
        });
        await using var cut = new UsageMeteringStream(gone, isEventStream: false, dropUsageChunk: false, cutObserver);
        cut.HoldUpTo(1024);
        await cut.WriteAsync(Encoding.UTF8.GetBytes("""{"usage":{"prompt_tokens":7,"completion_tokens":11,"total_tokens":18},"choices":[{"text":" tok"""));
        await cut.AbandonAsync();
        Assert.Equal(new TokenUsage(7, 11, 18), Assert.Single(reported));
        Assert.Empty(cutObserver.HeldEnds);
        Assert.Equal(0, gone.Length);
    }

    /// <summary>Records how much the client had received when the held answer's end was heard.</summary>
    private sealed class HeldEndProbe(MemoryStream client, UsageObserver inner) : IUsageObserver
    {
        public long ClientBytesAtEnd { get; private set; } = -1;

        public ValueTask OnUsageAsync(TokenUsage usage) => inner.OnUsageAsync(usage);

        public ValueTask OnHeldAnswerEndedAsync(TokenUsage? usage)
        {
            ClientBytesAtEnd = client.Length;
            return inner.OnHeldAnswerEndedAsync(usage);
        }

        public void OnHeldAnswerReleased() => inner.OnHeldAnswerReleased();
    }

    private sealed record Reported(TokenUsage Usage, string ClientSawSoFar);

    private sealed record Run(string Output, IReadOnlyList<Reported> Reported, TokenUsage? Usage, long StreamedCompletionTokens);

    private static async Task<Run> RunAsync(string sse, int[] pieces, bool dropUsageChunk, bool complete)
    {
        var bytes = Encoding.UTF8.GetBytes(sse);
        using var client = new MemoryStream();
        var reported = new List<Reported>();
        await using var metering = new UsageMeteringStream(client, isEventStream: true, dropUsageChunk, new UsageObserver(usage =>
        {
            reported.Add(new Reported(usage, Encoding.UTF8.GetString(client.ToArray())));
            return ValueTask.CompletedTask;
        }));
        var at = 0;
        foreach (var piece in pieces)
        {
            // A pooled copy, as YARP's buffer is reused after each write.
            var copy = bytes.AsSpan(at, piece).ToArray();
            await metering.WriteAsync(copy);
            Array.Clear(copy);
            at += piece;
        }

        if (complete)
        {
            await metering.CompleteAsync(CancellationToken.None);
        }

        return new Run(Encoding.UTF8.GetString(client.ToArray()), reported, metering.Usage, metering.StreamedCompletionTokens);
    }
}
