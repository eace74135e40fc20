using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Maas.Gateway.Tests;

/// <summary>
/// A model server on real Kestrel (127.0.0.1, free port) that answers every <c>POST /v1/...</c> as the
/// test scripts it (<see cref="Answer"/>): any status, body, length or pause, a hostile upstream's included.
/// </summary>
internal sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedUpstream(WebApplication app) => _app = app;

    public Uri BaseAddress => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>Gets or sets how every call is answered; the request body is read before.</summary>
    public Func<HttpContext, Task> Answer { get; set; } = context => context.Response.WriteAsync("{}");

    public static async Task<ScriptedUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        var upstream = new ScriptedUpstream(app);
        app.MapPost("/v1/{**operation}", async context =>
        {
            using (var reader = new StreamReader(context.Request.Body))
            {
                await reader.ReadToEndAsync(context.RequestAborted);
            }

            await upstream.Answer(context);
        });
        await app.StartAsync();
        return upstream;
    }

    /// <summary>Answers <paramref name="status"/> with <paramref name="json"/>, with its <c>Content-Length</c> or chunked without one.</summary>
    public static Func<HttpContext, Task> Json(string json, int status = 200, bool chunked = false) => async context =>
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(json);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        if (!chunked)
        {
            context.Response.ContentLength = bytes.Length;
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
            return;
        }

        // Several flushed pieces without a length, as a server that writes as it generates.
        for (var at = 0; at < bytes.Length; at += 1000)
        {
            await context.Response.Body.WriteAsync(bytes.AsMemory(at, Math.Min(1000, bytes.Length - at)), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
