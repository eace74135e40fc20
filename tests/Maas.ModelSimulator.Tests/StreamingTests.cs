using System.Net;
using System.Text.Json;

namespace Maas.ModelSimulator.Tests;

public sealed class StreamingTests
{
    private const string Question = "Is the gateway counting, or not?";

    [Fact]
    public async Task Chat_stream_sends_the_role_then_one_token_per_chunk_then_the_finish_then_done()
    {
        await using var server = await SimulatorServer.StartAsync(o => o.Mode = SimulatorMode.Echo);
        using var client = server.CreateClient();

        var events = await StreamAsync(client, "/v1/chat/completions", $$"""{"model":"facebook/opt-125m","messages":[{"role":"user","content":"{{Question}}"}],"stream":true,"max_tokens":5}""");

        var chunks = events[..^1].Select(Answers.Parse).ToList();
        Assert.Equal(1 + 5 + 1, chunks.Count);
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());
        Assert.All(chunks, c => Assert.False(c.TryGetProperty("usage", out _)));
        var deltas = chunks.Select(c => c.GetProperty("choices")[0].GetProperty("delta")).ToList();
        Assert.Equal("assistant", deltas[0].GetProperty("role").GetString());
        Assert.Equal(string.Empty, deltas[0].GetProperty("content").GetString());
        Assert.Equal(["Is", " the", " gateway", " counting", ","], deltas[1..6].Select(d => d.GetProperty("content").GetString()));
        Assert.Equal(JsonValueKind.Null, chunks[5].GetProperty("choices")[0].GetProperty("finish_reason").ValueKind);
        Assert.Empty(deltas[6].EnumerateObject());
        Assert.Equal("length", chunks[6].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Chat_stream_with_include_usage_ends_with_a_usage_chunk_with_empty_choices()
    {
        await using var server = await SimulatorServer.StartAsync(o => o.Mode = SimulatorMode.Echo);
        using var client = server.CreateClient();

        var events = await StreamAsync(client, "/v1/chat/completions", $$$"""{"model":"facebook/opt-125m","messages":[{"role":"user","content":"{{{Question}}}"}],"stream":true,"stream_options":{"include_usage":true}}""");

        var chunks = events[..^1].Select(Answers.Parse).ToList();
        var last = chunks[^1];
        Assert.Empty(last.GetProperty("choices").EnumerateArray());
        Assert.All(chunks[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("usage").ValueKind));
        var text = string.Concat(chunks[..^1].Select(c => c.GetProperty("choices")[0].GetProperty("delta")).Select(d => d.TryGetProperty("content", out var p) ? p.GetString() : ""));
        Assert.Equal(Question, text);
        Assert.Equal("stop", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal((8, 8, 16), Answers.Usage(last));
    }

    [Fact]
    public async Task Chat_stream_with_include_usage_false_carries_no_usage()
    {
        await using var server = await SimulatorServer.StartAsync();
        using var client = server.CreateClient();

        var events = await StreamAsync(client, "/v1/chat/completions", """{"model":"facebook/opt-125m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":false}}""");

        Assert.Equal(1 + 16 + 1 + 1, events.Count);
        Assert.All(events[..^1].Select(Answers.Parse), c =>
        {
            Assert.False(c.TryGetProperty("usage", out _));
            Assert.Single(c.GetProperty("choices").EnumerateArray());
        });
    }

    [Fact]
    public async Task Random_chat_stream_usage_counts_the_streamed_text()
    {
        await using var server = await SimulatorServer.StartAsync();
        using var client = server.CreateClient();

        var events = await StreamAsync(client, "/v1/chat/completions", """{"model":"facebook/opt-125m","prompt":"Not really understood prompt","max_prompts":40,"stream":true,"max_completion_tokens":9,"stream_options":{"include_usage":true}}""");

        var chunks = events[..^1].Select(Answers.Parse).ToList();
        var text = string.Concat(chunks[1..^2].Select(c => c.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()));
        Assert.Equal(9, chunks.Count - 3);
        Assert.Equal((4, 9, 13), Answers.Usage(chunks[^1]));
        Assert.Equal(9, WordTokenizer.Count(text));
    }

    [Fact]
    public async Task Completion_stream_sends_text_chunks_and_usage_when_asked()
    {
        await using var server = await SimulatorServer.StartAsync(o => o.Mode = SimulatorMode.Echo);
        using var client = server.CreateClient();

        var events = await StreamAsync(client, "/v1/completions", """{"model":"facebook/opt-125m","prompt":"Hello, world!","stream":true,"stream_options":{"include_usage":true}}""");

        var chunks = events[..^1].Select(Answers.Parse).ToList();
        Assert.All(chunks, c => Assert.Equal("text_completion", c.GetProperty("object").GetString()));
        Assert.Equal(["Hello", ",", " world", "!", ""], chunks[..^1].Select(c => c.GetProperty("choices")[0].GetProperty("text").GetString()));
        Assert.Equal("stop", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Empty(chunks[^1].GetProperty("choices").EnumerateArray());
        Assert.Equal((4, 4, 8), Answers.Usage(chunks[^1]));
    }

    internal static async Task<List<string>> StreamAsync(HttpClient client, string path, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = SimulatorServer.Json(body) };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new EventStreamReader(await response.Content.ReadAsStreamAsync());
        return await reader.ReadAllAsync();
    }
}
