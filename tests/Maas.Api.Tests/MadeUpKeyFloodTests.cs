using System.Net;
using System.Text.Json;
using Maas.ApiKeys;
using Maas.Storage.InMemory;
using Maas.Testing;
using Maas.Validation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Maas.Api.Tests;

/// <summary>The sample host as wired: made-up keys with a valid checksum cost no store round trip.</summary>
public sealed class MadeUpKeyFloodTests
{
    [Fact]
    public async Task Hundred_thousand_made_up_keys_reach_the_store_at_most_one_percent_and_a_real_key_stays_cached()
    {
        var store = new CountingKeyStore(InMemoryStorage.CreateKeyStore());
        await using var server = await MaasApiServer.StartAsync(configure: b => b.Services.Replace(ServiceDescriptor.Singleton<IKeyStore>(store)));
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var created = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"real"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var real = body.RootElement.GetProperty("token").GetString()!;
        var service = server.Services.GetRequiredService<CredentialValidationService>();
        Assert.True((await service.ValidateAsync(real)).IsValid);
        var realLookups = store.FindByHashCalls;
        Assert.InRange(realLookups, 1, 1);

        const int keys = 100_000;
        for (var i = 0; i < keys; i++)
        {
            Assert.False((await service.ValidateAsync(MadeUpKeys.Create())).IsValid);
            if (i % 1_000 == 0)
            {
                Assert.True((await service.ValidateAsync(real)).IsValid);
                Assert.Equal(1, store.FindsByHash.Values.Max());
            }
        }

        // Over HTTP too: a made-up bearer key is 401.
        using var madeUp = server.CreateBearerClient(MadeUpKeys.Create());
        Assert.Equal(HttpStatusCode.Unauthorized, (await madeUp.GetAsync("/v1/models")).StatusCode);
        using var realClient = server.CreateBearerClient(real);
        Assert.Equal(HttpStatusCode.OK, (await realClient.GetAsync("/v1/models")).StatusCode);

        Assert.InRange(store.FindByHashCalls - realLookups, 0, (keys + 1) / 100);
        Assert.Equal(1, store.FindsByHash.Values.Max());
    }
}
