using System.Net;
using Maas.ApiKeys;
using Maas.Storage.InMemory;
using Maas.Testing;
using Maas.Validation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.AspNetCore.Tests.ApiKeys;

/// <summary>
/// Issue 25: <c>Maas:ApiKeys:Prefix</c> chooses what new keys start with (<c>sk-maas-</c> by default,
/// <c>sk-oai-</c> for an operator migrating from the later Go service); keys of both prefixes the
/// deployment issued keep validating, and made-up keys of either prefix are refused as before.
/// </summary>
public sealed class ApiKeyPrefixTests
{
    private static Task<MaasTestHost> StartAsync(MaasTestStore store, string? prefix, Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? more = null) =>
        MaasTestHost.StartAsync(store, builder =>
        {
            if (prefix is not null)
            {
                builder.Configuration["Maas:ApiKeys:Prefix"] = prefix;
            }

            more?.Invoke(builder);
        });

    [Fact]
    public async Task After_switching_to_sk_oai_new_keys_start_with_it_and_the_sk_maas_keys_issued_before_keep_working()
    {
        using var directory = new TemporaryDirectory();
        var store = MaasTestStore.Sqlite(directory.Combine("maas-api.db"));
        string before;
        await using (var server = await StartAsync(store, prefix: null))
        {
            using var alice = server.CreateClient("alice", "system:authenticated");
            (_, before) = await ApiKeyRequests.CreateAsync(alice, """{"name":"before"}""");
            Assert.StartsWith("sk-maas-", before, StringComparison.Ordinal);
        }

        await using (var server = await StartAsync(store, "sk-oai-"))
        {
            using var alice = server.CreateClient("alice", "system:authenticated");
            var (afterId, after) = await ApiKeyRequests.CreateAsync(alice, """{"name":"after"}""");
            Assert.StartsWith("sk-oai-" + afterId + "_", after, StringComparison.Ordinal);
            Assert.Equal(74, after.Length);

            foreach (var key in new[] { before, after })
            {
                using var withKey = server.CreateBearerClient(key);
                Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/models")).StatusCode);
            }

            // A key of the new prefix mints nothing either (the endpoints that mint take the gateway's identity).
            using var keyMints = server.CreateBearerClient(after);
            Assert.Equal(HttpStatusCode.Unauthorized, (await keyMints.PostAsync("/v1/api-keys", MaasTestHost.Json("""{"name":"x"}"""))).StatusCode);

            // The prefix is part of the check: a key mistyped with the other prefix is refused.
            using var respelled = server.CreateBearerClient("sk-maas-" + after["sk-oai-".Length..]);
            Assert.Equal(HttpStatusCode.Unauthorized, (await respelled.GetAsync("/v1/models")).StatusCode);

            // Revoked keys of either prefix fail alike.
            var afterRevoked = await alice.DeleteAsync($"/v1/api-keys/{afterId}");
            Assert.Equal(HttpStatusCode.OK, afterRevoked.StatusCode);
            using var revoked = server.CreateBearerClient(after);
            Assert.Equal(HttpStatusCode.Unauthorized, (await revoked.GetAsync("/v1/models")).StatusCode);
        }
    }

    [Theory]
    [InlineData("sk-maas-")]
    [InlineData("sk-oai-")]
    public async Task Made_up_keys_of_either_prefix_are_refused_and_almost_none_reaches_the_store(string prefix)
    {
        var store = new CountingKeyStore(InMemoryStorage.CreateKeyStore());
        await using var server = await StartAsync(MaasTestStore.InMemory, "sk-oai-", b => b.Services.Replace(ServiceDescriptor.Singleton<IKeyStore>(store)));
        using var alice = server.CreateClient("alice", "system:authenticated");
        var (_, real) = await ApiKeyRequests.CreateAsync(alice, """{"name":"real"}""");
        var service = server.Services.GetRequiredService<CredentialValidationService>();
        Assert.True((await service.ValidateAsync(real)).IsValid);
        var lookups = store.FindByHashCalls;

        const int keys = 5_000;
        for (var i = 0; i < keys; i++)
        {
            var made = MadeUpKeys.Create(prefix);
            var validation = await service.ValidateAsync(made);
            Assert.False(validation.IsValid, made);
        }

        Assert.InRange(store.FindByHashCalls - lookups, 0, (keys / 100) + 1);
        using var madeUp = server.CreateBearerClient(MadeUpKeys.Create(prefix));
        Assert.Equal(HttpStatusCode.Unauthorized, (await madeUp.GetAsync("/v1/models")).StatusCode);
    }

    [Theory]
    [InlineData("sk-")]
    [InlineData("sk-other-")]
    [InlineData("SK-OAI-")]
    [InlineData("")]
    public async Task A_prefix_other_than_the_two_stops_the_host_at_start(string prefix)
    {
        // The options' validation failure, alone or beside the others that read the same options.
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(MaasTestStore.InMemory, prefix));
        var validation = failure as OptionsValidationException ?? Assert.IsType<OptionsValidationException>(Assert.IsType<AggregateException>(failure).InnerExceptions[0]);
        Assert.Contains(validation.Failures, f => f.StartsWith("Maas:ApiKeys:Prefix must be sk-maas- or sk-oai-", StringComparison.Ordinal));
    }
}
