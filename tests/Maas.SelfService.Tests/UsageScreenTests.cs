using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Usage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using static Maas.SelfService.Tests.SelfServiceEndpointTests;

namespace Maas.SelfService.Tests;

/// <summary>
/// <c>/keys/usage</c> on a minimal host whose ledger the test writes: the caller's own rows only, per model and
/// per key, every day of the 30 (zeros included), counts for people, names as text; and a store without a ledger.
/// </summary>
public sealed class UsageScreenTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 15, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_usage_screen_shows_the_callers_own_days_per_model_and_per_key_with_zeros_and_counts_for_people()
    {
        await using var app = await StartAsync(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(new FakeTimeProvider(Now))));
        using var alice = User(app, "alice");
        var keyId = await CreateKeyAsync(alice, "<img src=x onerror=alert(1)>");
        var ledger = app.Services.GetRequiredService<IUsageLedger>();
        await ledger.AppendAsync(new UsageBatch
        {
            Id = Guid.NewGuid(),
            Increments =
            [
                Increment("alice", keyId, "granite-8b", Now.AddDays(-2), requests: 3, prompt: 10_000, completion: 2_345),
                Increment("alice", keyId, "granite-8b", Now.AddDays(-2).AddHours(-3), requests: 1, prompt: 1, completion: 1),
                Increment("alice", UsageIncrement.TokenCredential, "</title><script>alert(1)</script>", Now, requests: 2, prompt: 5, completion: 5),
                // Before the 30 days, and somebody else's: neither is shown.
                Increment("alice", keyId, "granite-8b", Now.AddDays(-30), requests: 1, prompt: 777_777, completion: 0),
                Increment("bob", UsageIncrement.TokenCredential, "granite-8b", Now.AddDays(-2), requests: 9, prompt: 555_555, completion: 0),
            ],
        });

        using var answer = await alice.GetAsync("/keys/usage");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var html = await answer.Content.ReadAsStringAsync();

        // Per model: 30 days, oldest first, the days without calls as 0, counts grouped by thousands.
        var byModel = Table(html, "chart-model-table");
        Assert.Equal(["Day", "granite-8b", "</title><script>alert(1)</script>", "Total"], byModel[0]);
        Assert.Equal(1 + 30 + 1, byModel.Count);
        Assert.Equal(["2026-10-28", "0", "0", "0"], byModel[1]);
        Assert.Equal(["2026-11-24", "12,347", "0", "12,347"], byModel[28]);
        Assert.Equal(["2026-11-26", "0", "10", "10"], byModel[30]);
        Assert.Equal(["All 30 days", "12,347", "10", "12,357"], byModel[31]);

        // Per key: the key by its name, the token calls together.
        var byKey = Table(html, "chart-key-table");
        Assert.Equal(["Day", "<img src=x onerror=alert(1)>", "Tokens (not a key)", "Total"], byKey[0]);
        Assert.Equal(["All 30 days", "12,347", "10", "12,357"], byKey[^1]);

        // Bob's calls and the days before are nowhere; the hostile names are text everywhere.
        Assert.DoesNotContain("555", html, StringComparison.Ordinal);
        Assert.DoesNotContain("777", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
        Assert.Equal(2, Regex.Count(html, "<svg [^>]*role=\"img\" aria-labelledby=\"chart-(model|key)-title\" aria-describedby=\"chart-\\1-desc\""));

        // Requests instead of tokens.
        var requestsHtml = await alice.GetStringAsync("/keys/usage?show=requests");
        Assert.Equal(["All 30 days", "4", "2", "6"], Table(requestsHtml, "chart-model-table")[^1]);
        Assert.Contains("Requests per day by model", requestsHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_caller_without_calls_is_told_so_and_an_unknown_show_is_a_400_that_shows_tokens()
    {
        await using var app = await StartAsync();
        using var carol = User(app, "carol");

        var html = await carol.GetStringAsync("/keys/usage");
        Assert.Contains("You made no model calls in these days.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<svg", html, StringComparison.Ordinal);

        using var bad = await carol.GetAsync("/keys/usage?show=%3Cb%3Ebytes");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var refused = await bad.Content.ReadAsStringAsync();
        Assert.Contains("The charts show tokens or requests: tokens are shown.", refused, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>bytes", refused, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_store_that_keeps_no_ledger_the_usage_screen_says_so_and_still_shows_the_limits()
    {
        await using var app = await StartAsync(services =>
        {
            var store = services.Single(d => d.ServiceType == typeof(IKeyStore));
            services.Remove(store);
            services.AddSingleton<IKeyStore>(sp => new StoreWithoutLedger((IKeyStore)(store.ImplementationInstance ?? store.ImplementationFactory!(sp))));
        });
        using var alice = User(app, "alice");

        using var answer = await alice.GetAsync("/keys/usage");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var html = await answer.Content.ReadAsStringAsync();
        Assert.Contains("This host keeps no usage ledger", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<svg", html, StringComparison.Ordinal);
        Assert.Matches("<ul class=\"limits\" id=\"limits\">\\s*<li>", html);
        Assert.Contains("not counted here", html, StringComparison.Ordinal);
    }

    private static HttpClient User(Microsoft.AspNetCore.Builder.WebApplication app, string name)
    {
        var client = Client(app);
        client.DefaultRequestHeaders.Add("X-MaaS-Username", name);
        client.DefaultRequestHeaders.Add("X-MaaS-Group", "[\"system:authenticated\"]");
        return client;
    }

    private static async Task<string> CreateKeyAsync(HttpClient client, string name) =>
        (await Maas.Testing.ApiKeyRequests.CreateAsync(client, JsonSerializer.Serialize(new { name }))).Id;

    private static UsageIncrement Increment(string user, string credential, string model, DateTimeOffset at, long requests, long prompt, long completion) => new()
    {
        Hour = UsageIncrement.HourOf(at),
        User = user,
        Credential = credential,
        Tier = "free",
        Model = model,
        Outcome = UsageOutcome.Allowed,
        Requests = requests,
        PromptTokens = prompt,
        CompletionTokens = completion,
    };

    /// <summary>The rows of a table of the page (header, body, footer), each as its cells' decoded text.</summary>
    private static List<List<string>> Table(string html, string id)
    {
        var table = Regex.Match(html, $"<table[^>]* id=\"{id}\">(.*?)</table>", RegexOptions.Singleline);
        Assert.True(table.Success, $"no table {id}");
        return [.. Regex.Matches(table.Groups[1].Value, "<tr>(.*?)</tr>", RegexOptions.Singleline)
            .Select(row => Regex.Matches(row.Groups[1].Value, "<t[hd][^>]*>(.*?)</t[hd]>", RegexOptions.Singleline)
                .Select(cell => WebUtility.HtmlDecode(cell.Groups[1].Value.Trim())).ToList())];
    }

    /// <summary>A key store with every capability Maas needs but the usage ledger (the report screen's tests use it too).</summary>
    internal sealed class StoreWithoutLedger(IKeyStore inner) : IKeyStore, IKeyAdministrationStore, IKeyUsageStore, IAuditLog
    {
        public ValueTask AddAsync(ApiKeyRecord key, AuditEntry? audit = null, CancellationToken cancellationToken = default) => inner.AddAsync(key, audit, cancellationToken);

        public IAsyncEnumerable<ApiKeyRecord> ListAsync(string owner, CancellationToken cancellationToken = default) => inner.ListAsync(owner, cancellationToken);

        public ValueTask<ApiKeyRecord?> GetAsync(string owner, string id, CancellationToken cancellationToken = default) => inner.GetAsync(owner, id, cancellationToken);

        public ValueTask<bool> RevokeAsync(string owner, string id, DateTimeOffset revokedAt, CancellationToken cancellationToken = default) => inner.RevokeAsync(owner, id, revokedAt, cancellationToken);

        public ValueTask<int> RevokeAllAsync(string owner, DateTimeOffset revokedBefore, CancellationToken cancellationToken = default) => inner.RevokeAllAsync(owner, revokedBefore, cancellationToken);

        public ValueTask<ApiKeyRecord?> FindByHashAsync(ReadOnlyMemory<byte> hash, CancellationToken cancellationToken = default) => inner.FindByHashAsync(hash, cancellationToken);

        public ValueTask<DateTimeOffset?> GetRevokedBeforeAsync(string owner, CancellationToken cancellationToken = default) => inner.GetRevokedBeforeAsync(owner, cancellationToken);

        public ValueTask<KeyRotationResult> RotateAsync(KeyRotation rotation, CancellationToken cancellationToken = default) => inner.RotateAsync(rotation, cancellationToken);

        public ValueTask<ApiKeyRecord?> FindByIdAsync(string id, CancellationToken cancellationToken = default) => ((IKeyAdministrationStore)inner).FindByIdAsync(id, cancellationToken);

        public ValueTask<ApiKeyPage> SearchAsync(ApiKeySearch search, CancellationToken cancellationToken = default) => ((IKeyAdministrationStore)inner).SearchAsync(search, cancellationToken);

        public ValueTask<IReadOnlyList<string>> RevokeActiveAsync(string owner, DateTimeOffset at, bool dryRun, CancellationToken cancellationToken = default) =>
            ((IKeyAdministrationStore)inner).RevokeActiveAsync(owner, at, dryRun, cancellationToken);

        public ValueTask RecordUsageAsync(IReadOnlyCollection<KeyUsage> usages, CancellationToken cancellationToken = default) => ((IKeyUsageStore)inner).RecordUsageAsync(usages, cancellationToken);

        public IAsyncEnumerable<byte[]> ListHashesAsync(CancellationToken cancellationToken = default) => ((IKeyUsageStore)inner).ListHashesAsync(cancellationToken);

        public ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) => ((IAuditLog)inner).AppendAsync(entry, cancellationToken);

        public ValueTask<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) => ((IAuditLog)inner).QueryAsync(query, cancellationToken);
    }
}
