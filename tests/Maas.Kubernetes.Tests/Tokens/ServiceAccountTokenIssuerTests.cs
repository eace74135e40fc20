using Maas.ApiKeys;
using Maas.Kubernetes.Authentication;
using Maas.Kubernetes.Tokens;
using Maas.Testing.Kubernetes;
using Maas.Tiers;
using Maas.Users;
using System.Text.Json.Nodes;

namespace Maas.Kubernetes.Tests.Tokens;

public sealed class ServiceAccountTokenIssuerTests : IAsyncLifetime
{
    private static readonly MaasUser Alice = new("alice@example.com", ["tier-free-users"]);
    private static readonly Tier Free = new() { Name = "free" };
    private static readonly Tier Premium = new() { Name = "premium", Level = 1 };
    private readonly KubernetesTestCluster _cluster = new();
    private ServiceAccountTokenIssuer _issuer = null!;
    private KubernetesTokenReviewer _reviewer = null!;

    public async Task InitializeAsync()
    {
        await _cluster.InitializeAsync();
        _cluster.Options.TokenReviewAudiences.Add("maas-api-sa");
        _issuer = new ServiceAccountTokenIssuer(_cluster.Client, _cluster.WrappedOptions, _cluster.Time, _cluster.Logger<ServiceAccountTokenIssuer>());
        _reviewer = new KubernetesTokenReviewer(_cluster.Client, _cluster.WrappedOptions, _cluster.Time, _cluster.Logger<KubernetesTokenReviewer>());
    }

    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task First_token_creates_the_labelled_tier_namespace_and_the_users_account_and_is_a_token_request_token_for_the_instance_audience()
    {
        var issued = await _issuer.IssueAsync(Alice, Free, TimeSpan.FromHours(4));

        var ns = _cluster.Server.Get(KubernetesResourceType.Namespaces, null, "maas-api-tier-free")!;
        Assert.Equal("maas-api", (string?)ns["metadata"]!["labels"]!["maas.opendatahub.io/instance"]);
        Assert.Equal("free", (string?)ns["metadata"]!["labels"]!["maas.opendatahub.io/tier"]);
        var account = _cluster.Server.Get(KubernetesResourceType.ServiceAccounts, "maas-api-tier-free", "alice-example-com-ff8d9819")!;
        Assert.Equal("alice@example.com", (string?)account["metadata"]!["annotations"]!["maas.opendatahub.io/user"]);

        var payload = Payload(issued.Token);
        Assert.Equal("maas-api-sa", (string?)payload["aud"]![0]);
        Assert.Equal("system:serviceaccount:maas-api-tier-free:alice-example-com-ff8d9819", (string?)payload["sub"]);
        Assert.Equal((string?)payload["jti"], issued.Id);
        Assert.Equal((long)payload["iat"]!, issued.IssuedAt.ToUnixTimeSeconds());
        Assert.Equal((long)payload["exp"]!, issued.ExpiresAt.ToUnixTimeSeconds());
        Assert.Equal(TimeSpan.FromHours(4), issued.ExpiresAt - issued.IssuedAt);
        Assert.Equal(_cluster.Time.GetUtcNow(), issued.IssuedAt);

        var user = await _reviewer.ReviewAsync(issued.Token);
        Assert.NotNull(user);
        Assert.Equal("system:serviceaccount:maas-api-tier-free:alice-example-com-ff8d9819", user.Name);
        Assert.Contains("system:serviceaccounts:maas-api-tier-free", user.Groups);
    }

    [Fact]
    public async Task Later_tokens_cost_one_token_request_and_nothing_else()
    {
        await _issuer.IssueAsync(Alice, Free, TimeSpan.FromHours(1));
        var before = _cluster.Server.Calls.Count;

        var second = await _issuer.IssueAsync(Alice, Free, TimeSpan.FromMinutes(10));

        var calls = _cluster.Server.Calls.Skip(before).ToList();
        var call = Assert.Single(calls);
        Assert.Equal(("create", "serviceaccounts/token"), (call.Verb, call.RbacResource));
        Assert.Equal(TimeSpan.FromMinutes(10), second.ExpiresAt - second.IssuedAt);
    }

    [Fact]
    public async Task An_account_or_namespace_created_concurrently_is_used_not_an_error()
    {
        _cluster.Server.BeforeRequest = call =>
        {
            // Another replica wins both creations between our TokenRequest's 404 and our creates.
            if (call is { Verb: "create", Resource: "namespaces" })
            {
                _cluster.Server.Put(KubernetesResourceType.Namespaces, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "maas-api-tier-free" } });
            }
            else if (call is { Verb: "create", Resource: "serviceaccounts", Subresource: null })
            {
                _cluster.Server.Put(KubernetesResourceType.ServiceAccounts, new JsonObject { ["metadata"] = new JsonObject { ["name"] = call.Name ?? "alice-example-com-ff8d9819", ["namespace"] = "maas-api-tier-free" } });
            }

            return ValueTask.CompletedTask;
        };

        var issued = await _issuer.IssueAsync(Alice, Free, TimeSpan.FromHours(1));

        Assert.NotNull(await _reviewer.ReviewAsync(issued.Token));
        Assert.Contains(_cluster.Server.Calls, c => c is { Verb: "create", Resource: "serviceaccounts", Subresource: null });
    }

    [Fact]
    public async Task An_existing_account_annotated_for_another_user_is_never_handed_out_nor_recreated()
    {
        var account = ServiceAccountName.For(Alice.Name);
        _cluster.Server.Put(KubernetesResourceType.Namespaces, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "maas-api-tier-free", ["labels"] = new JsonObject { ["app.kubernetes.io/component"] = "token-issuer", ["maas.opendatahub.io/instance"] = "maas-api", ["maas.opendatahub.io/tier"] = "free" } } });
        _cluster.Server.Put(KubernetesResourceType.ServiceAccounts, new JsonObject { ["metadata"] = new JsonObject { ["name"] = account, ["namespace"] = "maas-api-tier-free", ["annotations"] = new JsonObject { ["maas.opendatahub.io/user"] = "mallory" } } });
        var uid = Uid("maas-api-tier-free", account);

        var refused = await Assert.ThrowsAsync<Maas.Errors.CredentialConflictException>(() => _issuer.IssueAsync(Alice, Free, TimeSpan.FromHours(1)).AsTask());
        Assert.Contains($"maas-api-tier-free/{account}", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("mallory", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_cluster.Server.Calls, c => c.RbacResource == "serviceaccounts/token");
        Assert.Contains(_cluster.Logs.GetSnapshot(), r => r.Id.Id == 3005);

        await _issuer.RevokeAllAsync(Alice);
        Assert.Equal(uid, Uid("maas-api-tier-free", account));

        // An account without the annotation (made by hand or by an older issuer) is used.
        _cluster.Server.Put(KubernetesResourceType.ServiceAccounts, new JsonObject { ["metadata"] = new JsonObject { ["name"] = account, ["namespace"] = "maas-api-tier-premium" } });
        Assert.NotNull(await _reviewer.ReviewAsync((await _issuer.IssueAsync(Alice, Premium, TimeSpan.FromHours(1))).Token));
    }

    [Fact]
    public async Task Revoke_all_recreates_the_account_in_every_tier_namespace_and_the_old_tokens_stop_validating()
    {
        var inFree = await _issuer.IssueAsync(Alice, Free, TimeSpan.FromHours(1));
        var inPremium = await _issuer.IssueAsync(Alice, Premium, TimeSpan.FromHours(1));
        await _issuer.IssueAsync(new MaasUser("bob", []), Free, TimeSpan.FromHours(1));
        _cluster.Server.Put(KubernetesResourceType.Namespaces, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "maas-api-tier-enterprise", ["labels"] = new JsonObject { ["app.kubernetes.io/component"] = "token-issuer", ["maas.opendatahub.io/instance"] = "maas-api", ["maas.opendatahub.io/tier"] = "enterprise" } } });
        var freeUid = Uid("maas-api-tier-free", "alice-example-com-ff8d9819");
        var premiumUid = Uid("maas-api-tier-premium", "alice-example-com-ff8d9819");
        var bobUid = Uid("maas-api-tier-free", ServiceAccountName.For("bob"));

        await _issuer.RevokeAllAsync(Alice);

        Assert.NotEqual(freeUid, Uid("maas-api-tier-free", "alice-example-com-ff8d9819"));
        Assert.NotEqual(premiumUid, Uid("maas-api-tier-premium", "alice-example-com-ff8d9819"));
        Assert.Equal(bobUid, Uid("maas-api-tier-free", ServiceAccountName.For("bob")));
        Assert.Null(_cluster.Server.Get(KubernetesResourceType.ServiceAccounts, "maas-api-tier-enterprise", "alice-example-com-ff8d9819"));
        Assert.Null(await _reviewer.ReviewAsync(inFree.Token));
        Assert.Null(await _reviewer.ReviewAsync(inPremium.Token));

        var fresh = await _issuer.IssueAsync(Alice, Free, TimeSpan.FromHours(1));
        Assert.NotNull(await _reviewer.ReviewAsync(fresh.Token));
    }

    [Fact]
    public async Task A_forbidden_token_request_is_an_unavailable_cluster_and_the_log_names_no_token()
    {
        _cluster.Server.Forbid("create", "serviceaccounts/token");

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await _issuer.IssueAsync(Alice, Free, TimeSpan.FromHours(1)));

        Assert.Contains("403", error.Message, StringComparison.Ordinal);
        var line = Assert.Single(_cluster.Logs.GetSnapshot(), r => r.Id.Id == 3003);
        Assert.Contains("maas-api-tier-free/alice-example-com-ff8d9819", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_api_server_is_an_unavailable_cluster()
    {
        using var client = new k8s.Kubernetes(new k8s.KubernetesClientConfiguration { Host = $"http://127.0.0.1:{Maas.Testing.FreePort.OnLoopback()}" });
        var issuer = new ServiceAccountTokenIssuer(client, _cluster.WrappedOptions, _cluster.Time, _cluster.Logger<ServiceAccountTokenIssuer>());

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await issuer.IssueAsync(Alice, Free, TimeSpan.FromHours(1)));
        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await issuer.RevokeAllAsync(Alice));
    }

    private string? Uid(string ns, string name) => (string?)_cluster.Server.Get(KubernetesResourceType.ServiceAccounts, ns, name)?["metadata"]!["uid"];

    private static JsonObject Payload(string token)
    {
        var part = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        return JsonNode.Parse(Convert.FromBase64String(part.PadRight(part.Length + ((4 - (part.Length % 4)) % 4), '=')))!.AsObject();
    }
}
