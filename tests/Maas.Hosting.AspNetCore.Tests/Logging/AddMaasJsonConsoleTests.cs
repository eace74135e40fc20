using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Maas.Hosting.AspNetCore.Tests.Logging;

/// <summary>
/// An embedder's JSON console logs with <c>AddMaasJsonConsole()</c>. The console logger writes to
/// <see cref="Console.Out"/>, which this test replaces: it runs alone.
/// </summary>
[Collection(nameof(ConsoleOutput))]
public sealed class AddMaasJsonConsoleTests
{
    private static readonly Action<ILogger, int, Exception?> Answered = LoggerMessage.Define<int>(LogLevel.Warning, new EventId(1), "answered {Status}");

    [Fact]
    public async Task A_key_in_an_unmatched_path_never_reaches_a_JSON_line_while_the_trace_id_does()
    {
        const string Key = "sk-maas-AbCdEf0123456789_GhIjKlMnOpQrStUvWxYz0123456789";
        using var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
            builder.Logging.ClearProviders();
            builder.Logging.AddMaasJsonConsole();
            // As maas-api's appsettings.json: ASP.NET Core's own "Request starting" lines print the whole URL.
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            await using (var app = builder.Build())
            {
                var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Embedder");
                app.Use(async (context, next) =>
                {
                    await next(context);
                    Answered(logger, context.Response.StatusCode, null);
                });
                await app.StartAsync();
                using var client = new HttpClient { BaseAddress = app.GetAddress() };
                Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v1/lookup/" + Key)).StatusCode);
                await app.StopAsync();
            } // disposing the console logger flushes its queue
        }
        finally
        {
            Console.SetOut(original);
        }

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var answered = 0;
        foreach (var line in lines)
        {
            Assert.DoesNotContain("AbCdEf0123456789", line, StringComparison.Ordinal);
            using var entry = JsonDocument.Parse(line);
            if (entry.RootElement.GetProperty("Category").GetString() != "Embedder")
            {
                continue;
            }

            answered++;
            var scopes = entry.RootElement.GetProperty("Scopes").EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object).ToList();
            Assert.Contains(scopes, s => s.TryGetProperty("TraceId", out var traceId) && traceId.GetString()!.Length == 32);
            var request = Assert.Single(scopes, s => s.TryGetProperty("RequestPath", out _));
            Assert.Equal("/v1/lookup/{credential}", request.GetProperty("RequestPath").GetString());
            Assert.StartsWith("RequestPath:/v1/lookup/{credential} RequestId:", request.GetProperty("Message").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(1, answered);
    }
}

/// <summary>Tests that replace <see cref="Console.Out"/> run one at a time.</summary>
[CollectionDefinition(nameof(ConsoleOutput), DisableParallelization = true)]
public sealed class ConsoleOutput;
