using System.Net;
using System.Runtime.CompilerServices;
using Maas.ApiKeys;
using Maas.Auditing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Maas.Hosting.AspNetCore.Tests.Errors;

/// <summary>
/// A store outage under load is one log line per cause every 10 s for the whole process, not one
/// per request: the error filter is built per request, so what it remembers must be shared.
/// </summary>
public sealed class StoreOutageLogTests
{
    private const string FilterCategory = "Maas.Hosting.Errors.MaasErrorFilter";
    private const string DiskFull = "The disk store is full; retry later.";
    private const string Unreachable = "The PostgreSQL server cannot be reached (ConnectionRefused); retry later.";

    [Fact]
    public async Task Hundreds_of_concurrent_503s_from_one_cause_log_one_line_per_ten_seconds_with_how_many_it_stands_for()
    {
        var collector = new FakeLogCollector();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var store = new UnavailableKeyStore();
        await using var app = await StartAsync(store, clock, collector);
        using var client = CreateClient(app);

        store.Cause = DiskFull;
        await AnswerAllWith503Async(client, 200);
        var lines = OutageLines(collector);
        var first = Assert.Single(lines);
        Assert.Equal(LogLevel.Warning, first.Level);
        Assert.Contains(DiskFull, first.Message, StringComparison.Ordinal);
        Assert.Contains("(1 request(s) answered 503", first.Message, StringComparison.Ordinal);
        Assert.Null(first.Exception);

        // Still inside the window: counted, not logged.
        clock.Advance(TimeSpan.FromSeconds(9.9));
        await AnswerAllWith503Async(client, 50);
        Assert.Single(OutageLines(collector));

        // The window has passed: one more line, standing for everything held back and itself.
        clock.Advance(TimeSpan.FromSeconds(0.1));
        await AnswerAllWith503Async(client, 1);
        lines = OutageLines(collector);
        Assert.Equal(2, lines.Count);
        Assert.Contains("(250 request(s) answered 503", lines[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_cause_of_an_outage_gets_its_own_line_and_its_own_window()
    {
        var collector = new FakeLogCollector();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var store = new UnavailableKeyStore();
        await using var app = await StartAsync(store, clock, collector);
        using var client = CreateClient(app);

        store.Cause = DiskFull;
        await AnswerAllWith503Async(client, 20);
        store.Cause = Unreachable;
        await AnswerAllWith503Async(client, 20);
        store.Cause = DiskFull;
        await AnswerAllWith503Async(client, 20);

        var lines = OutageLines(collector);
        Assert.Equal(2, lines.Count);
        Assert.Contains(DiskFull, lines[0].Message, StringComparison.Ordinal);
        Assert.Contains(Unreachable, lines[1].Message, StringComparison.Ordinal);
    }

    private static List<FakeLogRecord> OutageLines(FakeLogCollector collector) =>
        [.. collector.GetSnapshot().Where(l => l.Category == FilterCategory && l.Id.Id == 1001)];

    private static async Task AnswerAllWith503Async(HttpClient client, int requests)
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, requests).Select(async _ =>
        {
            using var response = await client.GetAsync("/v1/api-keys");
            return response.StatusCode;
        }));
        Assert.All(answers, status => Assert.Equal(HttpStatusCode.ServiceUnavailable, status));
    }

    private static async Task<WebApplication> StartAsync(UnavailableKeyStore store, FakeTimeProvider clock, FakeLogCollector collector)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new FakeLoggerProvider(collector));
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddSingleton<IKeyStore>(store);
        builder.Services.AddSingleton<IAuditLog>(store);
        builder.Services.AddMaas().UseInMemoryStorage();
        var app = builder.Build();
        app.MapMaasApi();
        await app.StartAsync();
        return app;
    }

    private static HttpClient CreateClient(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var client = new HttpClient { BaseAddress = new Uri(address) };
        client.DefaultRequestHeaders.Add("X-MaaS-Username", "alice");
        client.DefaultRequestHeaders.Add("X-MaaS-Group", "[\"system:authenticated\"]");
        return client;
    }

    /// <summary>A store that is down: every call throws <see cref="StoreUnavailableException"/> with <see cref="Cause"/>.</summary>
    private sealed class UnavailableKeyStore : IKeyStore, IKeyAdministrationStore, IKeyUsageStore, IAuditLog
    {
        public string Cause { get; set; } = "The key store is unavailable.";

        public ValueTask AddAsync(ApiKeyRecord key, AuditEntry? audit = null, CancellationToken cancellationToken = default) => throw Down();

        public IAsyncEnumerable<ApiKeyRecord> ListAsync(string owner, CancellationToken cancellationToken = default) => Throwing<ApiKeyRecord>(cancellationToken);

        public ValueTask<ApiKeyRecord?> GetAsync(string owner, string id, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask<bool> RevokeAsync(string owner, string id, DateTimeOffset revokedAt, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask<int> RevokeAllAsync(string owner, DateTimeOffset revokedBefore, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask<ApiKeyRecord?> FindByHashAsync(ReadOnlyMemory<byte> hash, CancellationToken cancellationToken = default) => throw Down();

        // The membership filter loads at start: an empty store, so the host starts.
        public async IAsyncEnumerable<byte[]> ListHashesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            yield break;
        }

        public ValueTask<DateTimeOffset?> GetRevokedBeforeAsync(string owner, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask<KeyRotationResult> RotateAsync(KeyRotation rotation, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask RecordUsageAsync(IReadOnlyCollection<KeyUsage> usages, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask<ApiKeyRecord?> FindByIdAsync(string id, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask<ApiKeyPage> SearchAsync(ApiKeySearch search, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask<IReadOnlyList<string>> RevokeActiveAsync(string owner, DateTimeOffset at, bool dryRun, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) => throw Down();

        private StoreUnavailableException Down() => new(Cause);

        private async IAsyncEnumerable<T> Throwing<T>([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.CompletedTask;
            if (!cancellationToken.IsCancellationRequested)
            {
                throw Down();
            }

            yield break;
        }
    }
}
