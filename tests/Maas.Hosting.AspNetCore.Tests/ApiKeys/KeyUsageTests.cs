using System.Net;
using System.Text.Json;
using Maas.ApiKeys;
using Maas.Storage.InMemory;
using Maas.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Maas.Hosting.AspNetCore.Tests.ApiKeys;

/// <summary><c>last_used_at</c> is recorded without a write per request and shown as <c>lastUsedDate</c>.</summary>
public sealed class KeyUsageTests
{
    [Fact]
    public async Task Many_uses_of_a_key_cost_one_store_write_per_flush_and_show_as_lastUsedDate()
    {
        var store = new CountingKeyStore(InMemoryStorage.CreateKeyStore());
        await using var server = await Introspection.IntrospectionTests.StartAsync(b => b.Services.Replace(ServiceDescriptor.Singleton<IKeyStore>(store)));
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var gateway = server.CreateClient();
        var (key, id) = await IntrospectionRequests.CreateKeyAsync(alice);
        using var before = JsonDocument.Parse(await alice.GetStringAsync($"/v1/api-keys/{id}"));
        Assert.False(before.RootElement.TryGetProperty("lastUsedDate", out _));

        using var withKey = server.CreateBearerClient(key);
        for (var i = 0; i < 20; i++)
        {
            Assert.True((await IntrospectionRequests.IntrospectAsync(gateway, key)).GetProperty("active").GetBoolean());
            Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/models")).StatusCode);
        }

        server.Clock.Advance(TimeSpan.FromSeconds(3));
        Assert.True((await IntrospectionRequests.IntrospectAsync(gateway, key)).GetProperty("active").GetBoolean());
        var lastUse = server.Clock.GetUtcNow();
        Assert.Equal(0, store.RecordUsageCalls);

        // The flush interval (10 s by default) passes: one batch, carrying the latest instant.
        server.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, store.RecordUsageCalls);
        using var list = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys"));
        Assert.Equal(lastUse.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture), list.RootElement[0].GetProperty("lastUsedDate").GetString());
        using var single = JsonDocument.Parse(await alice.GetStringAsync($"/v1/api-keys/{id}"));
        Assert.Equal(list.RootElement[0].GetProperty("lastUsedDate").GetString(), single.RootElement.GetProperty("lastUsedDate").GetString());

        // Nothing used since: the next interval writes nothing.
        server.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, store.RecordUsageCalls);
    }
}
