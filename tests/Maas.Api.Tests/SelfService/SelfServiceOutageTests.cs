using System.Net;
using System.Text.Json;
using Maas.ApiKeys;
using Maas.Storage.InMemory;
using Maas.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static Maas.Api.Tests.SelfService.SelfServicePageTests;

namespace Maas.Api.Tests.SelfService;

/// <summary>The page when what it writes to is down: a 503 screen that says so, never a 500, and nothing half done.</summary>
public sealed class SelfServiceOutageTests
{
    [Fact]
    public async Task A_store_outage_during_a_create_answers_the_503_screen_with_retry_after_and_leaves_no_key()
    {
        // The store cannot commit the key with its audit entry: neither is stored.
        await using var server = await MaasApiServer.StartAsync(configure: builder =>
            builder.Services.Replace(ServiceDescriptor.Singleton<IKeyStore>(new CountingKeyStore(InMemoryStorage.CreateKeyStore())
            {
                FailAdd = new StoreUnavailableException("The key store is unavailable."),
            })));
        using var alice = server.CreateClient("alice", "system:authenticated");
        var antiforgery = await AntiforgeryAsync(alice);
        var formToken = await CreateFormTokenAsync(alice);

        using var create = await PostAsync(alice, "Create", antiforgery, ("Create.Name", "during the outage"), ("Create.Lifetime", "1h"), ("Create.FormToken", formToken));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, create.StatusCode);
        Assert.Equal("1", create.Headers.RetryAfter?.ToString());
        var html = await create.Content.ReadAsStringAsync();
        Assert.Contains("<h1>Temporarily unavailable</h1>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-maas-", html, StringComparison.Ordinal);
        using var keys = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys"));
        Assert.Equal(0, keys.RootElement.GetArrayLength());
    }
}
