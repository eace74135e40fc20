using System.Net;
using System.Text.Json;
using Maas.ApiKeys;
using Maas.Auditing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static Maas.Api.Tests.SelfService.SelfServicePageTests;

namespace Maas.Api.Tests.SelfService;

/// <summary>The page when what it writes to is down: a 503 screen that says so, never a 500, and nothing half done.</summary>
public sealed class SelfServiceOutageTests
{
    [Fact]
    public async Task An_audit_trail_outage_answers_the_503_screen_with_retry_after_and_leaves_no_usable_key()
    {
        await using var server = await MaasApiServer.StartAsync(configure: builder =>
            builder.Services.Replace(ServiceDescriptor.Singleton<IAuditLog>(new UnavailableAuditLog())));
        using var alice = server.CreateClient("alice", "system:authenticated");
        var antiforgery = await AntiforgeryAsync(alice);

        using var create = await PostAsync(alice, "Create", antiforgery, ("Create.Name", "during the outage"), ("Create.Lifetime", "1h"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, create.StatusCode);
        Assert.Equal("1", create.Headers.RetryAfter?.ToString());
        var html = await create.Content.ReadAsStringAsync();
        Assert.Contains("<h1>Temporarily unavailable</h1>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-maas-", html, StringComparison.Ordinal);
        // Not recorded, so never usable: the key nobody saw is revoked (MaasService.CreateApiKeyAsync).
        using var keys = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys"));
        Assert.All(keys.RootElement.EnumerateArray(), key => Assert.Equal("revoked", key.GetProperty("status").GetString()));
    }

    private sealed class UnavailableAuditLog : IAuditLog
    {
        public ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(new StoreUnavailableException("The audit trail is unavailable.") { Service = "audit trail" });

        public ValueTask<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<AuditPage>(new StoreUnavailableException("The audit trail is unavailable.") { Service = "audit trail" });
    }
}
