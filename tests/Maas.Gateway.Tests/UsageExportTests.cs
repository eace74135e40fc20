using System.Diagnostics.Metrics;
using System.Net;
using Maas.Durations;
using Maas.Gateway.Diagnostics;
using Maas.Gateway.Usage;
using Maas.Tiers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace Maas.Gateway.Tests;

/// <summary>
/// The usage exports beside the ledger (<see cref="GatewayUsageExportOptions"/>): per-user counters
/// under Limitador's names whose values equal the calls, bounded in series, and one structured log
/// event per settled call with exact fields and no secret; both off by default.
/// </summary>
public sealed class UsageExportTests
{
    private const string Chat = """{"model":"test/model","messages":[{"role":"user","content":"hi"}],"max_tokens":8}""";

    private static void SmallTier(MaasOptions options, int requests) =>
        options.Tiers.Add(new Tier
        {
            Name = "small",
            Groups = ["system:authenticated"],
            Limits = new TierLimits { Requests = requests, Window = GoDuration.FromMinutes(2), TokensPerMinute = 0 },
        });

    private static Action<WebApplicationBuilder> Exports(Action<GatewayUsageExportOptions> configure, FakeLogCollector? logs = null) => builder =>
    {
        builder.Services.Configure(configure);
        if (logs is not null)
        {
            builder.Logging.AddProvider(new FakeLoggerProvider(logs));
        }
    };

    private static async Task<HttpStatusCode> CallAsync(HttpClient client)
    {
        using var answer = await client.PostAsync("/v1/chat/completions", new StringContent(Chat));
        return answer.StatusCode;
    }

    /// <summary>The instrument's last observation, as <c>user/tier/model</c> → value.</summary>
    private static Dictionary<string, long> Observe(MetricCollector<long> collector)
    {
        collector.Clear();
        collector.RecordObservableInstruments();
        return collector.GetMeasurementSnapshot().ToDictionary(m => $"{m.Tags["user"]}/{m.Tags["tier"]}/{m.Tags["model"]}", m => m.Value, StringComparer.Ordinal);
    }

    [Fact]
    public async Task Per_user_counters_under_Limitadors_names_equal_the_calls_and_the_settled_tokens()
    {
        await using var upstream = await BillingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => SmallTier(o, requests: 3), builderConfigure: Exports(o => o.UserCounters = true));
        var meters = gateway.Services.GetRequiredService<IMeterFactory>();
        using var calls = new MetricCollector<long>(meters, "Maas", UserUsageMetrics.AuthorizedCallsName);
        using var hits = new MetricCollector<long>(meters, "Maas", UserUsageMetrics.AuthorizedHitsName);
        using var limited = new MetricCollector<long>(meters, "Maas", UserUsageMetrics.LimitedCallsName);
        var aliceKey = await gateway.KeyAsync("alice");
        using var alice = gateway.Client(aliceKey);
        using var bob = gateway.Client(await gateway.TokenAsync("bob"));

        upstream.NextUsage = 10;
        Assert.Equal(HttpStatusCode.OK, await CallAsync(alice));
        upstream.NextUsage = 7;
        Assert.Equal(HttpStatusCode.OK, await CallAsync(alice));
        upstream.NextUsage = 4;
        Assert.Equal(HttpStatusCode.OK, await CallAsync(alice));
        Assert.Equal(HttpStatusCode.TooManyRequests, await CallAsync(alice));
        Assert.Equal(HttpStatusCode.TooManyRequests, await CallAsync(alice));
        upstream.NextUsage = 6;
        Assert.Equal(HttpStatusCode.OK, await CallAsync(bob));

        Assert.Equal(new Dictionary<string, long> { ["alice/small/test/model"] = 3, ["bob/small/test/model"] = 1 }, Observe(calls));
        Assert.Equal(new Dictionary<string, long> { ["alice/small/test/model"] = 10 + 7 + 4, ["bob/small/test/model"] = 6 }, Observe(hits));
        Assert.Equal(new Dictionary<string, long> { ["alice/small/test/model"] = 2 }, Observe(limited));
        foreach (var measurement in calls.GetMeasurementSnapshot().Concat(hits.GetMeasurementSnapshot()).Concat(limited.GetMeasurementSnapshot()))
        {
            Assert.Equal(["model", "tier", "user"], measurement.Tags.Keys.Order(StringComparer.Ordinal));
            Assert.DoesNotContain(measurement.Tags.Values, v => v is string s && aliceKey.Contains(s, StringComparison.Ordinal) && s.Length > 8);
        }
    }

    [Fact]
    public async Task The_series_bound_holds_under_many_users_and_the_rest_count_under_overflow()
    {
        const int Users = 40;
        const int Bound = 8;
        await using var upstream = await BillingUpstream.StartAsync();
        var logs = new FakeLogCollector();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => SmallTier(o, requests: 100), builderConfigure: Exports(o => { o.UserCounters = true; o.MaxUserSeries = Bound; }, logs));
        var meters = gateway.Services.GetRequiredService<IMeterFactory>();
        using var calls = new MetricCollector<long>(meters, "Maas", UserUsageMetrics.AuthorizedCallsName);
        using var hits = new MetricCollector<long>(meters, "Maas", UserUsageMetrics.AuthorizedHitsName);
        var clients = new List<HttpClient>();
        for (var i = 0; i < Users; i++)
        {
            clients.Add(gateway.Client(await gateway.TokenAsync($"user-{i:D2}")));
        }

        // Each user calls twice, all at once: racing first calls must not take more series than the bound.
        var statuses = await Task.WhenAll(clients.Concat(clients).Select(CallAsync));
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        clients.ForEach(c => c.Dispose());

        var observed = Observe(calls);
        Assert.Equal(Bound + 1, observed.Count);
        Assert.Equal(Bound, gateway.Services.GetRequiredService<UsageExports>().Metrics!.SeriesCount);
        Assert.Equal(2L * Users, observed.Values.Sum());
        Assert.True(observed["(overflow)/(overflow)/(overflow)"] >= 2L * (Users - Bound), $"overflow counted {observed["(overflow)/(overflow)/(overflow)"]}");
        Assert.Equal(2L * Users * 5, Observe(hits).Values.Sum());
        Assert.Single(logs.GetSnapshot(), l => l.Id.Id == 8041 && l.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task Each_settled_call_is_one_usage_record_with_exact_fields_and_no_secret()
    {
        await using var upstream = await BillingUpstream.StartAsync();
        var logs = new FakeLogCollector();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => SmallTier(o, requests: 2), builderConfigure: Exports(o => o.LogRecords = true, logs));
        var created = await gateway.ApiKeys.CreateAsync(new Maas.Users.MaasUser("alice", ["system:authenticated"]), new Maas.ApiKeys.ApiKeyRequest { Name = "exported" });
        var token = await gateway.TokenAsync("bob");
        using var alice = gateway.Client(created.Key);
        using var bob = gateway.Client(token);

        upstream.NextUsage = 11;
        Assert.Equal(HttpStatusCode.OK, await CallAsync(alice));
        upstream.NextUsage = 3;
        Assert.Equal(HttpStatusCode.OK, await CallAsync(alice));
        Assert.Equal(HttpStatusCode.TooManyRequests, await CallAsync(alice));
        upstream.NextUsage = 5;
        Assert.Equal(HttpStatusCode.OK, await CallAsync(bob));

        var records = logs.GetSnapshot().Where(l => l.Category == UsageExports.UsageRecordsCategory).ToList();
        Assert.All(records, r => Assert.Equal((8040, "UsageRecorded", LogLevel.Information), (r.Id.Id, r.Id.Name, r.Level)));
        string[] fields = ["User", "CredentialKind", "KeyId", "Tier", "Model", "Outcome", "Requests", "PromptTokens", "CompletionTokens"];
        var seen = records.Select(r => string.Join(' ', fields.Select(f => r.StructuredState!.Single(p => p.Key == f).Value))).ToList();
        var id = created.Record.Id;
        Assert.Equal(
            [
                $"alice api_key {id} small test/model allowed 1 5 6",
                $"alice api_key {id} small test/model allowed 1 1 2",
                $"alice api_key {id} small test/model limited 1 0 0",
                "bob token  small test/model allowed 1 2 3",
            ],
            seen);
        var keySecret = created.Key[(created.Key.LastIndexOf('_') + 1)..];
        foreach (var record in records)
        {
            Assert.DoesNotContain(keySecret, record.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(record.StructuredState!, p => p.Value is { } v && (v.Contains(keySecret, StringComparison.Ordinal) || v.Contains(token, StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task Off_by_default_there_are_no_per_user_series_and_no_usage_records()
    {
        await using var upstream = await BillingUpstream.StartAsync();
        var logs = new FakeLogCollector();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => SmallTier(o, requests: 1), builderConfigure: b => b.Logging.AddProvider(new FakeLoggerProvider(logs)));
        var meters = gateway.Services.GetRequiredService<IMeterFactory>();
        using var calls = new MetricCollector<long>(meters, "Maas", UserUsageMetrics.AuthorizedCallsName);
        using var limited = new MetricCollector<long>(meters, "Maas", UserUsageMetrics.LimitedCallsName);
        using var alice = gateway.Client(await gateway.TokenAsync("alice"));

        Assert.Equal(HttpStatusCode.OK, await CallAsync(alice));
        Assert.Equal(HttpStatusCode.TooManyRequests, await CallAsync(alice));

        Assert.Empty(Observe(calls));
        Assert.Empty(Observe(limited));
        Assert.Null(calls.Instrument);
        Assert.False(gateway.Services.GetRequiredService<UsageExports>().Enabled);
        Assert.DoesNotContain(logs.GetSnapshot(), l => l.Category == UsageExports.UsageRecordsCategory || l.Id.Id == 8040);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(100_001)]
    public async Task A_series_bound_out_of_range_stops_the_start_naming_the_setting(int maxUserSeries)
    {
        await using var upstream = await BillingUpstream.StartAsync();
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            GatewayServer.StartAsync(upstream.BaseAddress, builderConfigure: Exports(o => { o.UserCounters = true; o.MaxUserSeries = maxUserSeries; })));
        Assert.Contains("Maas:Gateway:UsageExport:MaxUserSeries must be from 1 to 100000.", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100_000)]
    public async Task A_series_bound_in_range_starts(int maxUserSeries)
    {
        await using var upstream = await BillingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, builderConfigure: Exports(o => { o.UserCounters = true; o.MaxUserSeries = maxUserSeries; }));
        Assert.True(gateway.Services.GetRequiredService<UsageExports>().Enabled);
    }
}
