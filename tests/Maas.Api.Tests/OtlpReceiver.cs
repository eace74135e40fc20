using System.Collections;
using System.Collections.Concurrent;
using System.IO.Compression;
using Google.Protobuf;
using Maas.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;

namespace Maas.Api.Tests;

/// <summary>
/// An OTLP/HTTP receiver (binary protobuf, the OpenTelemetry collector's <c>/v1/traces</c>,
/// <c>/v1/metrics</c> and <c>/v1/logs</c>) on Kestrel at 127.0.0.1 with a free port. It decodes each
/// export with the official protocol definitions (vendored in Otlp/) and keeps the requests.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private const string Protobuf = "application/x-protobuf";

    private readonly WebApplication _app;
    private readonly SemaphoreSlim _arrivals = new(0);

    private OtlpReceiver(WebApplication app)
    {
        _app = app;
    }

    public Uri BaseAddress => _app.GetBaseAddress();

    public ConcurrentQueue<ExportTraceServiceRequest> Traces { get; } = new();

    public ConcurrentQueue<ExportMetricsServiceRequest> Metrics { get; } = new();

    public ConcurrentQueue<ExportLogsServiceRequest> Logs { get; } = new();

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", context => receiver.ReceiveAsync(context, ExportTraceServiceRequest.Parser, receiver.Traces, new ExportTraceServiceResponse()));
        app.MapPost("/v1/metrics", context => receiver.ReceiveAsync(context, ExportMetricsServiceRequest.Parser, receiver.Metrics, new ExportMetricsServiceResponse()));
        app.MapPost("/v1/logs", context => receiver.ReceiveAsync(context, ExportLogsServiceRequest.Parser, receiver.Logs, new ExportLogsServiceResponse()));
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, re-checking it at every export received.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!condition())
        {
            try
            {
                await _arrivals.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"No OTLP export with {what} within {timeout.TotalSeconds} s ({Traces.Count} trace, {Metrics.Count} metric, {Logs.Count} log exports received).");
            }
        }
    }

    /// <summary>Every string (and every byte string read as UTF-8) anywhere in a decoded message: names, attribute keys and values, bodies.</summary>
    public static IEnumerable<string> Strings(IMessage message)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            var value = field.Accessor.GetValue(message);
            foreach (var text in value is IList list ? list.Cast<object>().SelectMany(StringsOf) : StringsOf(value))
            {
                yield return text;
            }
        }

        static IEnumerable<string> StringsOf(object? value) => value switch
        {
            string text => [text],
            ByteString bytes => [bytes.ToStringUtf8()],
            IMessage nested => Strings(nested),
            _ => [],
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _arrivals.Dispose();
    }

    private async Task ReceiveAsync<T>(HttpContext context, MessageParser<T> parser, ConcurrentQueue<T> into, IMessage answer)
        where T : IMessage<T>
    {
        if (!string.Equals(context.Request.ContentType, Protobuf, StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        var body = context.Request.Headers.ContentEncoding == "gzip" ? new GZipStream(context.Request.Body, CompressionMode.Decompress) : context.Request.Body;
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, context.RequestAborted);
        into.Enqueue(parser.ParseFrom(buffer.ToArray()));
        _arrivals.Release();
        context.Response.ContentType = Protobuf;
        await context.Response.Body.WriteAsync(answer.ToByteArray(), context.RequestAborted);
    }
}
