using System.Text;
using BenchmarkDotNet.Attributes;
using Maas.ApiKeys;
using Maas.Durations;
using Maas.Models;
using Maas.Tiers;
using Maas.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using Yarp.ReverseProxy.Forwarder;

namespace Maas.Benchmarks;

/// <summary>
/// One chat completion through the gateway's <c>POST /v1/chat/completions</c> endpoint, in process:
/// the API key validated (cached), the body read and checked, the model found and allowed, both
/// limits acquired in memory, the call handed to YARP's forwarder and settled with the answer's
/// usage. The forwarder is a fake that answers at once with a JSON completion (no network), so what
/// is measured is the gateway's own work around the forward. The floor is that fake forwarder
/// writing the same answer on its own.
/// </summary>
[MemoryDiagnoser]
public class GatewayCallBenchmarks
{
    private const string Path = "/v1/chat/completions";
    private static readonly byte[] RequestJson = Encoding.UTF8.GetBytes("""{"model":"bench/model","messages":[{"role":"user","content":"Say hello."}],"max_tokens":16}""");

    private WebApplication _app = null!;
    private RequestDelegate _call = null!;
    private AnsweringForwarder _forwarder = null!;
    private string _authorization = "";

    /// <summary>Whether the call is recorded in the usage ledger (acceptance: on keeps at least 97% of off's throughput).</summary>
    [Params(false, true)]
    public bool Ledger { get; set; }

    /// <summary>Whether the tier also sets budgets (a monthly token budget and a daily request budget), counted in the same acquire.</summary>
    [Params(false, true)]
    public bool Budgets { get; set; }

    /// <summary>
    /// Whether the usage exports are on (per-user counters and one log record a call, exported by
    /// OpenTelemetry's logging provider to a processor that drops them), against off, the default.
    /// </summary>
    [Params(false, true)]
    public bool Exports { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        // Development: the identity-header secret is not needed, as no call here carries identity headers.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Logging.ClearProviders();
        builder.Services.AddMaas(options =>
            {
                options.Models.Add(new ModelDescriptor
                {
                    Id = "bench/model",
                    OwnedBy = "bench",
                    Url = new Uri("http://models.example/llm/bench-model"),
                    Upstream = new Uri("http://127.0.0.1:9/"),
                });

                // Limits counted on every call but high enough never to refuse one.
                var limits = new TierLimits { Requests = int.MaxValue, Window = GoDuration.FromMinutes(2), TokensPerMinute = long.MaxValue / 2 };
                if (Budgets)
                {
                    limits.Budgets.Add(new TierBudget { Period = "month", Tokens = TierBudget.MaxAmount });
                    limits.Budgets.Add(new TierBudget { Period = "day", Requests = TierBudget.MaxAmount });
                }

                options.Tiers.Add(new Tier { Name = "bench", Groups = ["system:authenticated"], Limits = limits });
            })
            .UseInMemoryStorage()
            .AddMaasGateway();
        builder.Services.Configure<Maas.Gateway.Usage.GatewayLedgerOptions>(o => o.Enabled = Ledger);
        if (Exports)
        {
            builder.Services.Configure<Maas.Gateway.Usage.GatewayUsageExportOptions>(o => o.UserCounters = o.LogRecords = true);
            builder.Logging.AddOpenTelemetry(o => o.AddProcessor(new DroppingLogProcessor()));
        }

        _forwarder = new AnsweringForwarder();
        builder.Services.RemoveAll<IHttpForwarder>();
        builder.Services.AddSingleton<IHttpForwarder>(_forwarder);
        _app = builder.Build();
        _app.MapMaasGateway();
        var key = await _app.Services.GetRequiredService<ApiKeyService>().CreateAsync(new MaasUser("alice", ["system:authenticated"]), new ApiKeyRequest { Name = "bench" });
        _authorization = "Bearer " + key.Key;
        _call = ((IEndpointRouteBuilder)_app).DataSources
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .First(endpoint => endpoint.RoutePattern.RawText == Path)
            .RequestDelegate!;

        // The first call resolves the pipeline and fills the validator's cache.
        await CallAsync();
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _app.DisposeAsync();

    /// <summary>The floor: the fake forwarder writing the answer, with no gateway around it.</summary>
    [Benchmark(Baseline = true)]
    public async Task<int> Forwarder_Alone()
    {
        var context = NewContext();
        await _forwarder.SendAsync(context, "http://127.0.0.1:9", null!, ForwarderRequestConfig.Empty, HttpTransformer.Empty, default);
        return context.Response.StatusCode;
    }

    /// <summary>A chat completion through the gateway, answered 200 with usage and settled.</summary>
    [Benchmark]
    public async Task<int> ChatCompletion() => await CallAsync();

    private async Task<int> CallAsync()
    {
        var context = NewContext();
        await _call(context);
        if (context.Response.StatusCode != StatusCodes.Status200OK)
        {
            throw new InvalidOperationException($"The gateway answered {context.Response.StatusCode}.");
        }

        return context.Response.StatusCode;
    }

    private DefaultHttpContext NewContext()
    {
        var context = new DefaultHttpContext { RequestServices = _app.Services };
        var request = context.Request;
        request.Method = HttpMethods.Post;
        request.Scheme = "http";
        request.Host = new HostString("127.0.0.1", 8080);
        request.Path = Path;
        request.ContentType = "application/json";
        request.ContentLength = RequestJson.Length;
        request.Headers.Authorization = _authorization;
        request.Body = new MemoryStream(RequestJson, writable: false);
        context.Response.Body = Stream.Null;
        return context;
    }

    /// <summary>The end of an OpenTelemetry log pipeline that exports nothing: what is measured is the record's making.</summary>
    private sealed class DroppingLogProcessor : BaseProcessor<LogRecord>;

    /// <summary>YARP's forwarder stand-in: the upstream's headers through the gateway's transformer, then a JSON answer with usage.</summary>
    private sealed class AnsweringForwarder : IHttpForwarder
    {
        private static readonly byte[] Answer = Encoding.UTF8.GetBytes("""{"id":"c1","object":"chat.completion","model":"bench/model","choices":[{"index":0,"message":{"role":"assistant","content":"Hello."},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}""");

        private readonly HttpResponseMessage _response = new(System.Net.HttpStatusCode.OK)
        {
            Content = new ByteArrayContent([]) { Headers = { ContentType = new("application/json") } },
        };

        public async ValueTask<ForwarderError> SendAsync(HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient, ForwarderRequestConfig requestConfig, HttpTransformer transformer, CancellationToken cancellationToken)
        {
            await transformer.TransformResponseAsync(context, _response, cancellationToken);
            context.Response.StatusCode = StatusCodes.Status200OK;
            await context.Response.Body.WriteAsync(Answer, cancellationToken);
            return ForwarderError.None;
        }

        public ValueTask<ForwarderError> SendAsync(HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient, ForwarderRequestConfig requestConfig, HttpTransformer transformer) =>
            SendAsync(context, destinationPrefix, httpClient, requestConfig, transformer, CancellationToken.None);
    }
}
