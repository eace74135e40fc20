using System.Globalization;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Maas.ModelSimulator.Tests;

/// <summary>The simulator on real Kestrel, on 127.0.0.1 with a free port, with the clock and logs the test gives it.</summary>
public sealed class SimulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SimulatorServer(WebApplication app, SimulatorLogs logs)
    {
        _app = app;
        Logs = logs;
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        BaseAddress = new Uri(address);
    }

    public Uri BaseAddress { get; }

    public SimulatorLogs Logs { get; }

    public static async Task<SimulatorServer> StartAsync(
        Action<ModelSimulatorOptions>? configure = null,
        TimeProvider? clock = null,
        string prefix = "",
        long? maxRequestBodySize = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            if (maxRequestBodySize is not null)
            {
                kestrel.Limits.MaxRequestBodySize = maxRequestBodySize;
            }
        });
        var logs = new SimulatorLogs();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(new FakeLoggerProvider(logs.Collector));
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        builder.Services.AddModelSimulator(configure);
        var app = builder.Build();
        app.MapModelSimulator(prefix);
        await app.StartAsync();
        return new SimulatorServer(app, logs);
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress };

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Reads the <c>data:</c> payloads of a server-sent event stream.</summary>
public sealed class EventStreamReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8);

    /// <summary>The next event's data, or <see langword="null"/> at the end of the stream.</summary>
    public async Task<string?> ReadAsync()
    {
        string? data = null;
        while (await _reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    return data;
                }

                continue;
            }

            Assert.StartsWith("data: ", line, StringComparison.Ordinal);
            Assert.Null(data);
            data = line["data: ".Length..];
        }

        Assert.Null(data);
        return null;
    }

    /// <summary>Every remaining event's data, up to and including <c>[DONE]</c>, which must be the last.</summary>
    public async Task<List<string>> ReadAllAsync()
    {
        var events = new List<string>();
        while (await ReadAsync() is { } data)
        {
            events.Add(data);
        }

        Assert.Equal("[DONE]", events[^1]);
        return events;
    }

    public void Dispose() => _reader.Dispose();
}

/// <summary>
/// Every log record of the host (the framework's <see cref="FakeLogCollector"/>), and a way to wait for
/// one: the collector's output sink reports each record's category and event id as it is logged.
/// </summary>
public sealed class SimulatorLogs
{
    private readonly ConcurrentBag<(string Category, int EventId, TaskCompletionSource Seen)> _waiters = [];

    public SimulatorLogs()
    {
        Collector = FakeLogCollector.Create(new FakeLogCollectorOptions
        {
            OutputFormatter = record => record.Category + "\n" + record.Id.Id.ToString(CultureInfo.InvariantCulture),
            OutputSink = Logged,
        });
    }

    public FakeLogCollector Collector { get; }

    public IReadOnlyList<FakeLogRecord> Entries => Collector.GetSnapshot();

    public Task WaitForAsync(string category, int eventId)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters.Add((category, eventId, seen));
        if (Collector.GetSnapshot().Any(e => e.Category == category && e.Id.Id == eventId))
        {
            seen.TrySetResult();
        }

        return seen.Task;
    }

    private void Logged(string line)
    {
        var separator = line.LastIndexOf('\n');
        var category = line[..separator];
        var eventId = int.Parse(line.AsSpan(separator + 1), CultureInfo.InvariantCulture);
        foreach (var (waitedCategory, waitedId, seen) in _waiters)
        {
            if (waitedCategory == category && waitedId == eventId)
            {
                seen.TrySetResult();
            }
        }
    }
}

/// <summary>JSON helpers for the answers.</summary>
public static class Answers
{
    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static (int Prompt, int Completion, int Total) Usage(JsonElement answer)
    {
        var usage = answer.GetProperty("usage");
        return (usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());
    }
}
