using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Maas.Testing;
using Maas.Testing.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Maas.Api.Tests;

/// <summary>
/// The sample host on a cluster (the fake API server, reached through a kubeconfig, edited with the
/// real kubectl): tiers from the ConfigMap, the service-account issuer and TokenReview sign-in over HTTP.
/// </summary>
public sealed class KubernetesFlowTests : IAsyncLifetime
{
    private const string AliceClusterToken = "sha256~alice-cluster-token";
    private const string AlicePremiumClusterToken = "sha256~alice-premium-cluster-token";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private readonly TemporaryDirectory _directory = new();
    private FakeKubernetesApiServer _cluster = null!;
    private string _kubeconfig = null!;
    private Kubectl _kubectl = null!;
    private Action<string>? _tierLines;

    public async Task InitializeAsync()
    {
        _cluster = await FakeKubernetesApiServer.StartAsync(_clock);
        _kubeconfig = _cluster.WriteKubeconfig(_directory.Path);
        _kubectl = new Kubectl(_kubeconfig);
        _cluster.Put(KubernetesResourceType.Namespaces, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "maas-api" } });
        _cluster.AddUserToken(AliceClusterToken, "alice@example.com", "tier-free-users");
        _cluster.AddUserToken(AlicePremiumClusterToken, "alice@example.com", "premium-group");
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Editing_the_config_map_with_kubectl_changes_tier_lookups_without_a_restart_and_a_malformed_edit_keeps_the_old_tiers()
    {
        await ApplyTiersAsync("- name: free\n  level: 0\n  groups: [everyone]\n");
        // The watch's own lines (tiers applied, an edit ignored) say when it has handed a change over.
        await using var server = await MaasApiServer.StartAsync(
            ["--tier-source=configmap"],
            builder => builder.Logging.AddFakeLogging(o =>
            {
                o.FilteredCategories.Add("Maas.Kubernetes.Tiers.ConfigMapTierSource");
                o.OutputFormatter = record => record.Message;
                o.OutputSink = line => Volatile.Read(ref _tierLines)?.Invoke(line);
            }),
            environment: new Dictionary<string, string?> { ["KUBECONFIG"] = _kubeconfig },
            clock: _clock);
        using var client = server.CreateClient();
        Assert.Equal("free", await LookupAsync(client, "everyone"));
        Assert.Null(await LookupAsync(client, "vip"));

        await WhenLoggedAsync(() => ApplyTiersAsync("- name: free\n  level: 0\n  groups: [everyone]\n- name: gold\n  level: 5\n  groups: [vip]\n"), line => line.EndsWith(": 2 tiers (free, gold)", StringComparison.Ordinal));
        Assert.Equal("gold", await LookupAsync(client, "vip"));
        Assert.Equal("gold", await LookupAsync(client, "everyone", "vip"));

        await WhenLoggedAsync(() => ApplyTiersAsync("- name: free\n  groups: [everyone\n"), line => line.StartsWith("Ignored ", StringComparison.Ordinal));
        Assert.Equal("gold", await LookupAsync(client, "vip"));
        Assert.Equal("free", await LookupAsync(client, "everyone"));
    }

    [Fact]
    public async Task A_cluster_caller_gets_service_account_tokens_that_validate_until_revoke_all_recreates_every_tier_account()
    {
        await ApplyTiersAsync("- name: free\n  level: 0\n  groups: [tier-free-users]\n- name: premium\n  level: 1\n  groups: [premium-group]\n");
        await using var server = await StartAsync("--token-issuer", "service-account", "--token-review", "--tier-source=configmap");
        using var alice = server.CreateBearerClient(AliceClusterToken);
        using var alicePremium = server.CreateBearerClient(AlicePremiumClusterToken);

        var freeToken = await IssueAsync(alice);
        var premiumToken = await IssueAsync(alicePremium);
        var account = AccountOf(freeToken, out var freeNamespace, out var audiences);
        Assert.Equal("maas-api-tier-free", freeNamespace);
        Assert.Equal(["maas-api-sa"], audiences);
        Assert.StartsWith("alice-example-com-", account, StringComparison.Ordinal);
        Assert.Equal(account, AccountOf(premiumToken, out var premiumNamespace, out _));
        Assert.Equal("maas-api-tier-premium", premiumNamespace);
        Assert.Equal("alice@example.com", _cluster.Get(KubernetesResourceType.ServiceAccounts, freeNamespace, account)!["metadata"]!["annotations"]!["maas.opendatahub.io/user"]!.GetValue<string>());

        // The issued tokens validate through TokenReview; they are Maas credentials, which cannot mint.
        using (var models = await server.CreateBearerClient(freeToken).GetAsync("/v1/models"))
        {
            Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        }

        using (var mint = await server.CreateBearerClient(premiumToken).PostAsync("/v1/tokens", MaasApiServer.Json("""{"expiration":"1h"}""")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, mint.StatusCode);
        }

        var uids = Uids(account);
        using (var revoke = await alice.DeleteAsync("/v1/tokens"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        // Both tier namespaces hold a new account (another uid), and neither old token validates any more.
        var recreated = Uids(account);
        Assert.Equal(2, recreated.Count);
        Assert.All(recreated, pair => Assert.NotEqual(uids[pair.Key], pair.Value));
        foreach (var token in new[] { freeToken, premiumToken })
        {
            using var refused = await server.CreateBearerClient(token).GetAsync("/v1/models");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // The cluster identity itself is not revoked: alice gets a fresh token that validates.
        var fresh = await IssueAsync(alice);
        using var again = await server.CreateBearerClient(fresh).GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task An_account_made_for_another_user_is_refused_with_409_naming_it_not_handed_out()
    {
        await using var server = await StartAsync("--token-issuer=service-account", "--token-review");
        using var alice = server.CreateBearerClient(AliceClusterToken);
        var account = AccountOf(await IssueAsync(alice), out _, out _);
        _cluster.Put(KubernetesResourceType.ServiceAccounts, new JsonObject { ["metadata"] = new JsonObject { ["name"] = account, ["namespace"] = "maas-api-tier-premium", ["annotations"] = new JsonObject { ["maas.opendatahub.io/user"] = "mallory@example.com" } } });

        using var alicePremium = server.CreateBearerClient(AlicePremiumClusterToken);
        using var refused = await alicePremium.PostAsync("/v1/tokens", MaasApiServer.Json("""{"expiration":"1h"}"""));

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Contains($"maas-api-tier-premium/{account}", body, StringComparison.Ordinal);
        Assert.DoesNotContain("mallory", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_headers_and_maas_keys_keep_working_beside_token_review_and_a_key_cannot_mint()
    {
        await using var server = await StartAsync("--token-review");
        using var alice = server.CreateBearerClient(AliceClusterToken);
        using var created = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"laptop"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = (await created.Content.ReadFromJsonAsync<JsonObject>())!["token"]!.GetValue<string>();
        var token = await IssueAsync(alice);

        using (var keyClient = server.CreateBearerClient(key))
        {
            using var list = await keyClient.GetAsync("/v1/api-keys");
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            using var mint = await keyClient.PostAsync("/v1/tokens", MaasApiServer.Json("""{"expiration":"1h"}"""));
            Assert.Equal(HttpStatusCode.Unauthorized, mint.StatusCode);
        }

        using (var tokenClient = server.CreateBearerClient(token))
        {
            using var mint = await tokenClient.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"x"}"""));
            Assert.Equal(HttpStatusCode.Unauthorized, mint.StatusCode);
        }

        using var gateway = server.CreateClient("bob", "tier-free-users");
        using var issued = await gateway.PostAsync("/v1/tokens", MaasApiServer.Json("""{"expiration":"1h"}"""));
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);

        // Only alice's cluster token was reviewed (once, then cached): Maas's key and token never went to the cluster.
        Assert.Equal(1, _cluster.Calls.Count(c => c.Resource == "tokenreviews"));
    }

    [Fact]
    public async Task A_refused_review_is_401_and_an_api_server_that_cannot_review_is_503_naming_it_until_it_recovers()
    {
        await using var server = await StartAsync("--token-review");
        using var stranger = server.CreateBearerClient("sha256~made-up");
        using (var refused = await stranger.GetAsync("/v1/api-keys"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("TokenReview", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        _cluster.Forbid("create", "tokenreviews");
        using var alice = server.CreateBearerClient(AliceClusterToken);
        using (var outage = await alice.PostAsync("/v1/tokens", MaasApiServer.Json("""{"expiration":"1h"}""")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, outage.StatusCode);
            var body = await outage.Content.ReadFromJsonAsync<JsonObject>();
            Assert.Equal("The Kubernetes API server is temporarily unavailable; retry shortly.", body!["error"]!.GetValue<string>());
        }

        _cluster.AllowAll();
        using var recovered = await alice.PostAsync("/v1/tokens", MaasApiServer.Json("""{"expiration":"1h"}"""));
        Assert.Equal(HttpStatusCode.Created, recovered.StatusCode);
    }

    [Fact]
    public async Task With_token_review_audiences_a_review_answering_another_audience_or_none_is_401_and_one_answering_ours_signs_in()
    {
        await using var server = await StartAsync("--token-review", "--token-review-audiences=maas-only");
        _cluster.AddUserToken("sha256~other-audience", "mallory", "tier-free-users");
        _cluster.AddUserToken("sha256~no-audience", "mallory", "tier-free-users");
        _cluster.AddUserToken("sha256~our-audience", "alice@example.com", "tier-free-users");

        _cluster.IgnoreReviewAudiences("other");
        using (var other = server.CreateBearerClient("sha256~other-audience"))
        using (var refused = await other.GetAsync("/v1/api-keys"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("for another audience", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        _cluster.IgnoreReviewAudiences();
        using (var none = server.CreateBearerClient("sha256~no-audience"))
        using (var refused = await none.GetAsync("/v1/api-keys"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        _cluster.IgnoreReviewAudiences("maas-only");
        using var ours = server.CreateBearerClient("sha256~our-audience");
        using var accepted = await ours.GetAsync("/v1/api-keys");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task Issuance_while_the_api_server_refuses_is_503_naming_it()
    {
        await using var server = await StartAsync("--token-issuer=service-account");
        _cluster.Forbid("create", "serviceaccounts/token");
        using var bob = server.CreateClient("bob", "tier-free-users");
        using var outage = await bob.PostAsync("/v1/tokens", MaasApiServer.Json("""{"expiration":"1h"}"""));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, outage.StatusCode);
        Assert.Contains("Kubernetes API server", await outage.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        _cluster.AllowAll();
        using var recovered = await bob.PostAsync("/v1/tokens", MaasApiServer.Json("""{"expiration":"1h"}"""));
        Assert.Equal(HttpStatusCode.Created, recovered.StatusCode);
    }

    [Fact]
    public async Task An_unreachable_api_server_or_no_kubeconfig_stops_start_up_with_one_line_naming_it()
    {
        var port = FreePort.OnLoopback();
        var unreachable = Path.Combine(_directory.Path, "unreachable");
        await File.WriteAllTextAsync(unreachable, (await File.ReadAllTextAsync(_kubeconfig)).Replace(_cluster.BaseAddress.ToString().TrimEnd('/'), $"http://127.0.0.1:{port}", StringComparison.Ordinal));
        await using (var app = Build(unreachable, "--token-review"))
        {
            var error = await Assert.ThrowsAsync<HostSettingsException>(() => app.StartAsync());
            Assert.StartsWith($"--token-review: the Kubernetes API server http://127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error.Message);
        }

        var missing = Assert.Throws<HostSettingsException>(() => Build(Path.Combine(_directory.Path, "absent"), "--tier-source=configmap"));
        Assert.StartsWith("--tier-source=configmap needs a Kubernetes API server", missing.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', missing.Message);
    }

    [Theory]
    [InlineData("--token-issuer=vault", "--token-issuer")]
    [InlineData("--tier-source=etcd", "--tier-source")]
    [InlineData("--token-review=maybe", "--token-review")]
    [InlineData("--token-review-audiences=a", "--token-review-audiences needs --token-review")]
    public void A_wrong_kubernetes_switch_is_one_line_naming_the_flag(string flag, string named)
    {
        var error = Assert.Throws<HostSettingsException>(() => HostSettings.Parse([flag], _ => null, isDevelopment: true));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_kubernetes_switches_read_their_environment_variables()
    {
        var environment = new Dictionary<string, string>
        {
            ["TOKEN_ISSUER"] = "service-account",
            ["TOKEN_REVIEW"] = "true",
            ["TOKEN_REVIEW_AUDIENCES"] = "https://kubernetes.default.svc, maas-api-sa",
            ["TIER_SOURCE"] = "configmap",
        };
        var settings = HostSettings.Parse([], name => environment.GetValueOrDefault(name), isDevelopment: true);
        Assert.Equal("service-account", settings.TokenIssuer);
        Assert.True(settings.TokenReview);
        Assert.Equal(["https://kubernetes.default.svc", "maas-api-sa"], settings.TokenReviewAudiences);
        Assert.Equal("configmap", settings.TierSource);
        Assert.False(HostSettings.Parse([], _ => null, isDevelopment: true).UsesKubernetes);
    }

    private Task<MaasApiServer> StartAsync(params string[] args) =>
        MaasApiServer.StartAsync(args, environment: new Dictionary<string, string?> { ["KUBECONFIG"] = _kubeconfig }, clock: _clock);

    private WebApplication Build(string kubeconfig, params string[] args) =>
        MaasApiHost.Build(
            ["--address", "127.0.0.1:0", "--metrics-port=0", .. args],
            builder => builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock)),
            name => name == "KUBECONFIG" ? kubeconfig : null,
            "Development");

    private Task<string> ApplyTiersAsync(string tiers) =>
        _kubectl.RunCheckedAsync(["apply", "--validate=false", "-f", "-"], TierMappingManifest.For("maas-api", tiers));

    private static async Task<string?> LookupAsync(HttpClient client, params string[] groups)
    {
        using var response = await client.PostAsJsonAsync("/v1/tiers/lookup", new { groups });
        return response.StatusCode == HttpStatusCode.NotFound
            ? null
            : (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>())!["tier"]!.GetValue<string>();
    }

    private static async Task<string> IssueAsync(HttpClient client)
    {
        using var response = await client.PostAsync("/v1/tokens", MaasApiServer.Json("""{"expiration":"1h"}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["token"]!.GetValue<string>();
    }

    // The account a TokenRequest token was issued for, read from its claims as the API server wrote them.
    private static string AccountOf(string token, out string ns, out string[] audiences)
    {
        var payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        using var claims = JsonDocument.Parse(Convert.FromBase64String(payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=')));
        var kubernetes = claims.RootElement.GetProperty("kubernetes.io");
        ns = kubernetes.GetProperty("namespace").GetString()!;
        audiences = [.. claims.RootElement.GetProperty("aud").EnumerateArray().Select(a => a.GetString()!)];
        return kubernetes.GetProperty("serviceaccount").GetProperty("name").GetString()!;
    }

    private Dictionary<string, string> Uids(string account) =>
        _cluster.List(KubernetesResourceType.ServiceAccounts)
            .Where(a => a["metadata"]!["name"]!.GetValue<string>() == account)
            .ToDictionary(a => a["metadata"]!["namespace"]!.GetValue<string>(), a => a["metadata"]!["uid"]!.GetValue<string>());

    // Runs the change, then waits for the watch's line saying it was handled (event-driven; the timeout only guards a hang).
    private async Task WhenLoggedAsync(Func<Task> change, Func<string, bool> done)
    {
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _tierLines, line =>
        {
            if (done(line))
            {
                handled.TrySetResult();
            }
        });
        try
        {
            await change();
            await handled.Task.WaitAsync(Patience);
        }
        finally
        {
            Volatile.Write(ref _tierLines, null);
        }
    }
}
