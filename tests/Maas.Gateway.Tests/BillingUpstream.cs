using System.Collections.Concurrent;
using System.Globalization;
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
/// A lax OpenAI-shaped upstream on real Kestrel (127.0.0.1, free port), as vLLM is lax: members are
/// read unescaped with the last of two winning, <c>"stream": "true"</c> or <c>1</c> streams anyway,
/// and <c>max_tokens</c> is whatever number came last. It bills what the test sets in
/// <see cref="NextUsage"/> (a hostile upstream's numbers included) and records what it saw.
/// </summary>
internal sealed class BillingUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BillingUpstream(WebApplication app) => _app = app;

    public Uri BaseAddress => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>Gets or sets the total tokens the next answers report.</summary>
    public long NextUsage { get; set; } = 5;

    /// <summary>Gets each call's body as received and the total tokens it was billed.</summary>
    public ConcurrentQueue<(string Body, long Billed, long? MaxTokens)> Calls { get; } = new();

    public static async Task<BillingUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        var upstream = new BillingUpstream(app);
        app.MapPost("/v1/{**operation}", upstream.AnswerAsync);
        await app.StartAsync();
        return upstream;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        bool stream = false, includeUsage = false;
        long? maxTokens = null;
        try
        {
            using var json = JsonDocument.Parse(body);
            foreach (var property in json.RootElement.EnumerateObject())
            {
                var value = property.Value;
                switch (property.Name)
                {
                    case "stream":
                        stream = value.ValueKind == JsonValueKind.True
                            || (value.ValueKind == JsonValueKind.String && value.GetString() == "true")
                            || (value.ValueKind == JsonValueKind.Number && value.GetRawText() != "0");
                        break;
                    case "stream_options":
                        includeUsage = value.ValueKind == JsonValueKind.Object && value.TryGetProperty("include_usage", out var u) && u.ValueKind != JsonValueKind.False;
                        break;
                    case "max_tokens" or "max_completion_tokens" when value.ValueKind == JsonValueKind.Number:
                        maxTokens = value.TryGetInt64(out var n) ? Math.Max(n, maxTokens ?? 0) : long.MaxValue;
                        break;
                }
            }
        }
        catch (JsonException)
        {
            context.Response.StatusCode = 400;
            return;
        }

        var billed = NextUsage;
        Calls.Enqueue((body, billed, maxTokens));
        var usage = string.Create(CultureInfo.InvariantCulture, $$"""{"prompt_tokens":{{billed / 2}},"completion_tokens":{{billed - (billed / 2)}},"total_tokens":{{billed}}}""");
        if (!stream)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{{usage}}}""");
            return;
        }

        context.Response.ContentType = "text/event-stream";
        await context.Response.WriteAsync("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n");
        if (includeUsage)
        {
            await context.Response.WriteAsync($$"""data: {"id":"c","object":"chat.completion.chunk","choices":[],"usage":{{usage}}}""" + "\n\n");
        }

        await context.Response.WriteAsync("data: [DONE]\n\n");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
