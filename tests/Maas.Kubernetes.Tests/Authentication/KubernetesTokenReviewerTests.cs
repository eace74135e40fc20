using Maas.ApiKeys;
using Maas.Kubernetes.Authentication;
using Maas.Kubernetes.Tokens;
using Maas.Tiers;
using Maas.Users;

namespace Maas.Kubernetes.Tests.Authentication;

public sealed class KubernetesTokenReviewerTests : IAsyncLifetime
{
    private readonly KubernetesTestCluster _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task A_users_cluster_token_signs_in_with_the_api_servers_audience()
    {
        _cluster.Server.AddUserToken("sha256~opaque-openshift-token", "alice", "tier-premium-users");
        var reviewer = Reviewer();

        var user = await reviewer.ReviewAsync("sha256~opaque-openshift-token");

        Assert.NotNull(user);
        Assert.Equal("alice", user.Name);
        Assert.Equal(["tier-premium-users", "system:authenticated"], user.Groups);
        Assert.Null(await reviewer.ReviewAsync("sha256~made-up"));
    }

    [Fact]
    public async Task A_token_for_another_audience_is_refused()
    {
        var issuer = new ServiceAccountTokenIssuer(_cluster.Client, _cluster.WrappedOptions, _cluster.Time, _cluster.Logger<ServiceAccountTokenIssuer>());
        var issued = await issuer.IssueAsync(new MaasUser("alice", []), new Tier { Name = "free" }, TimeSpan.FromHours(1));

        Assert.Null(await Reviewer().ReviewAsync(issued.Token));
        _cluster.Options.TokenReviewAudiences.Add("maas-api-sa");
        Assert.NotNull(await Reviewer().ReviewAsync(issued.Token));
    }

    [Fact]
    public async Task An_answer_is_reused_for_the_cache_duration_and_then_asked_again()
    {
        _cluster.Options.TokenReviewCacheDuration = TimeSpan.FromSeconds(10);
        _cluster.Options.TokenReviewAudiences.Add("maas-api-sa");
        var issuer = new ServiceAccountTokenIssuer(_cluster.Client, _cluster.WrappedOptions, _cluster.Time, _cluster.Logger<ServiceAccountTokenIssuer>());
        var alice = new MaasUser("alice", []);
        var issued = await issuer.IssueAsync(alice, new Tier { Name = "free" }, TimeSpan.FromHours(1));
        var reviewer = Reviewer();
        Assert.NotNull(await reviewer.ReviewAsync(issued.Token));
        await issuer.RevokeAllAsync(alice);
        var reviews = _cluster.Server.Calls.Count(c => c.Resource == "tokenreviews");

        Assert.NotNull(await reviewer.ReviewAsync(issued.Token));
        Assert.Equal(reviews, _cluster.Server.Calls.Count(c => c.Resource == "tokenreviews"));

        _cluster.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(await reviewer.ReviewAsync(issued.Token));
    }

    [Fact]
    public async Task An_answer_is_never_reused_past_the_tokens_expiry()
    {
        _cluster.Options.TokenReviewCacheDuration = TimeSpan.FromMinutes(10);
        _cluster.Options.TokenReviewAudiences.Add("maas-api-sa");
        var issuer = new ServiceAccountTokenIssuer(_cluster.Client, _cluster.WrappedOptions, _cluster.Time, _cluster.Logger<ServiceAccountTokenIssuer>());
        var issued = await issuer.IssueAsync(new MaasUser("alice", []), new Tier { Name = "free" }, TimeSpan.FromMinutes(10));
        var reviewer = Reviewer();
        _cluster.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.NotNull(await reviewer.ReviewAsync(issued.Token));

        _cluster.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.Null(await reviewer.ReviewAsync(issued.Token));
    }

    [Fact]
    public async Task A_review_answering_only_other_audiences_than_the_configured_ones_is_refused()
    {
        _cluster.Options.TokenReviewAudiences.Add("maas-only");
        _cluster.Server.AddUserToken("sha256~alice", "alice", "maas-admins");
        _cluster.Server.IgnoreReviewAudiences("other");

        Assert.Null(await Reviewer().ReviewAsync("sha256~alice"));
    }

    [Fact]
    public async Task A_review_naming_a_configured_audience_signs_in_and_one_naming_another_beside_it_is_refused()
    {
        _cluster.Options.TokenReviewAudiences.Add("maas-only");
        _cluster.Options.TokenReviewAudiences.Add("maas-api-sa");
        _cluster.Server.AddUserToken("sha256~alice", "alice", "tier-free-users");
        _cluster.Server.IgnoreReviewAudiences("maas-only");

        var user = await Reviewer().ReviewAsync("sha256~alice");

        Assert.NotNull(user);
        Assert.Equal("alice", user.Name);
        _cluster.Server.IgnoreReviewAudiences("maas-only", "other");
        Assert.Null(await Reviewer().ReviewAsync("sha256~alice"));
    }

    [Fact]
    public async Task A_review_answering_no_audiences_is_valid_only_for_the_api_servers_own_so_it_is_refused_when_others_were_asked_for()
    {
        // Kubernetes: an empty status.audiences with authenticated true means the token is valid for
        // the API server's audience; a server that ignores spec.audiences answers that way.
        _cluster.Server.AddUserToken("sha256~alice", "alice", "tier-free-users");
        _cluster.Server.IgnoreReviewAudiences();
        Assert.NotNull(await Reviewer().ReviewAsync("sha256~alice"));

        _cluster.Options.TokenReviewAudiences.Add("maas-only");

        Assert.Null(await Reviewer().ReviewAsync("sha256~alice"));
    }

    [Fact]
    public async Task A_forbidden_review_is_an_unavailable_cluster()
    {
        _cluster.Server.Forbid("create", "tokenreviews");

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await Reviewer().ReviewAsync("sha256~anything"));
    }

    private KubernetesTokenReviewer Reviewer() => new(_cluster.Client, _cluster.WrappedOptions, _cluster.Time, _cluster.Logger<KubernetesTokenReviewer>());
}
