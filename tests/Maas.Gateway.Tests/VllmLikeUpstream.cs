using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Maas.Gateway.Tests;

/// <summary>
/// A model server on real Kestrel (127.0.0.1, free port) that bills as vLLM does: a call's
/// completion is <c>max_completion_tokens</c>, else <c>max_tokens</c>, else <see cref="UnboundedCompletionTokens"/>
/// (vLLM without a bound generates to the end of the context), one token (<c>" tok"</c>) per
/// stream chunk, each flushed; <see cref="PromptTokens"/> of prompt (whatever the body's length). A stream carries
/// <c>"usage":null</c> in each chunk when <c>stream_options.include_usage</c> asks for the final
/// usage chunk, and the running usage in each chunk when <c>continuous_usage_stats</c> asks too.
/// It counts what it served (<see cref="ServedTokens"/>): the prompt of every 2xx answer and each
/// completion token it wrote. It can answer a status without usage, or stop after some chunks:
/// waiting for <see cref="Resume"/> (a paused stream) or, without one, until the call is dropped (a silent upstream).
/// </summary>
public sealed class VllmLikeUpstream : IAsyncDisposable
{
    public const int UnboundedCompletionTokens = 2048;

    /// <summary>The <c>X-Request-Id</c> every answer carries, as vLLM sends its own.</summary>
    public const string RequestId = "vllm-request-1";

    private readonly WebApplication _app;
    private long _served;

    private VllmLikeUpstream(WebApplication app) => _app = app;

    public Uri BaseAddress => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>Gets or sets the prompt tokens of every call: 12 by default, fewer than any body's length / 4; an image the body only links to costs far more.</summary>
    public int PromptTokens { get; set; } = 12;

    /// <summary>Gets the tokens served so far: prompts of the 2xx answers plus every completion token written.</summary>
    public long ServedTokens => Interlocked.Read(ref _served);

    /// <summary>Gets or sets a status (404, 500...) every call is answered with, an OpenAI error without usage; <see langword="null"/> answers normally.</summary>
    public int? FailWith { get; set; }

    /// <summary>Gets or sets whether every answer is a stream, whatever the body says (a server that reads the body differently from the gateway).</summary>
    public bool StreamAlways { get; set; }

    /// <summary>Gets or sets how many content chunks a stream sends before it stops; <see langword="null"/> streams to the end.</summary>
    public int? StopAfterChunks { get; set; }

    /// <summary>Gets or sets what a stopped stream waits for before it goes on (its last content chunk, the finish chunk, the usage chunk); <see langword="null"/>: it stays silent until dropped.</summary>
    public TaskCompletionSource? Resume { get; set; }

    /// <summary>Completes when a stream has stopped, every chunk before that flushed.</summary>
    public TaskCompletionSource Stopped { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<VllmLikeUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        var upstream = new VllmLikeUpstream(app);
        app.MapPost("/v1/chat/completions", upstream.AnswerAsync);
        await app.StartAsync();
        return upstream;
    }

    /// <summary>Arms <see cref="Stopped"/> again for the next stream.</summary>
    public void ResetStopped() => Stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task AnswerAsync(HttpContext context)
    {
        using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var root = document.RootElement;
        context.Response.Headers["X-Request-Id"] = RequestId;
        if (FailWith is { } status)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"object":"error","message":"The model `nope` does not exist.","type":"NotFoundError","param":null,"code":404}""");
            return;
        }

        var completion = Bound(root, "max_completion_tokens") ?? Bound(root, "max_tokens") ?? UnboundedCompletionTokens;
        var stream = StreamAlways || (root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True);
        Interlocked.Add(ref _served, PromptTokens);
        if (!stream)
        {
            Interlocked.Add(ref _served, completion);
            context.Response.ContentType = "application/json";
            var text = string.Concat(Enumerable.Repeat(" tok", completion));
            await context.Response.WriteAsync("""{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":""" + "\"" + text + "\"" + """},"finish_reason":"length"}],"usage":""" + Usage(completion) + "}");
            return;
        }

        var options = root.TryGetProperty("stream_options", out var o) && o.ValueKind == JsonValueKind.Object ? o : default;
        var includeUsage = options.ValueKind == JsonValueKind.Object && options.TryGetProperty("include_usage", out var u) && u.ValueKind == JsonValueKind.True;
        var continuous = includeUsage && options.TryGetProperty("continuous_usage_stats", out var c) && c.ValueKind == JsonValueKind.True;
        context.Response.ContentType = "text/event-stream";
        var aborted = context.RequestAborted;
        await SendAsync(context, Chunk("""{"role":"assistant","content":""}""", "null", continuous ? Usage(0) : includeUsage ? "null" : null), aborted);
        for (var i = 1; i <= completion; i++)
        {
            if (i - 1 == StopAfterChunks)
            {
                await StopAsync(aborted);
            }

            await SendAsync(context, Chunk("""{"content":" tok"}""", "null", continuous ? Usage(i) : includeUsage ? "null" : null), aborted);
            Interlocked.Increment(ref _served);
        }

        if (completion == StopAfterChunks)
        {
            await StopAsync(aborted);
        }

        await SendAsync(context, Chunk("{}", "\"length\"", continuous ? Usage(completion) : includeUsage ? "null" : null), aborted);
        if (includeUsage)
        {
            await SendAsync(context, Invariant($"data: {{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"test/model\",\"choices\":[],\"usage\":{Usage(completion)}}}\n\n"), aborted);
        }

        await SendAsync(context, "data: [DONE]\n\n", aborted);
    }

    private async Task StopAsync(CancellationToken aborted)
    {
        Stopped.TrySetResult();
        await (Resume?.Task ?? Task.Delay(Timeout.Infinite, aborted)).WaitAsync(aborted);
    }

    private static async Task SendAsync(HttpContext context, string text, CancellationToken aborted)
    {
        await context.Response.WriteAsync(text, aborted);
        await context.Response.Body.FlushAsync(aborted);
    }

    private static string Chunk(string delta, string finishReason, string? usage) =>
        $$"""data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"test/model","choices":[{"index":0,"delta":{{delta}},"logprobs":null,"finish_reason":{{finishReason}}}]{{(usage is null ? "" : ",\"usage\":" + usage)}}}""" + "\n\n";

    private string Usage(int completion) =>
        Invariant($"{{\"prompt_tokens\":{PromptTokens},\"total_tokens\":{PromptTokens + completion},\"completion_tokens\":{completion}}}");

    private static int? Bound(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        Resume?.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
