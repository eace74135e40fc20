using Maas.ApiKeys;
using Maas.Durations;
using Maas.Errors;
using Maas.Users;
using Maas.Validation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Maas.Core.Tests.Service;

public sealed class MaasServiceTests : IDisposable
{
    private static readonly MaasUser Alice = new("alice", ["system:authenticated"]);
    private static readonly MaasUser Bob = new("bob", ["premium-group"]);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services;
    private readonly MaasServices _maas;

    public MaasServiceTests()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMaasCore().UseInMemoryStorage();
        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock));
        _services = services.BuildServiceProvider();
        _maas = MaasServices.From(_services);
    }

    public void Dispose() => _services.Dispose();

    [Theory]
    [InlineData("10m", true)]
    [InlineData("24h", true)]
    [InlineData("9m59s", false)]
    [InlineData("24h0m0.000000001s", false)]
    [InlineData("-4h", false)]
    [InlineData("0s", false)]
    public async Task Token_lifetime_must_lie_within_the_policy_bounds_inclusive(string expiration, bool accepted)
    {
        var requested = GoDuration.Parse(expiration);
        if (accepted)
        {
            var token = await _maas.Tokens.IssueAsync(Alice, requested);
            Assert.Equal(requested.ToTimeSpan(), token.ExpiresAt - token.IssuedAt);
        }
        else
        {
            var error = await Assert.ThrowsAsync<InvalidRequestException>(async () => await _maas.Tokens.IssueAsync(Alice, requested));
            Assert.Equal("expiration", error.Field);
        }
    }

    [Fact]
    public async Task No_lifetime_means_the_default_of_4_hours_for_tokens_and_720_hours_for_keys()
    {
        var token = await _maas.Tokens.IssueAsync(Alice, null);
        Assert.Equal(TimeSpan.FromHours(4), token.ExpiresAt - token.IssuedAt);
        var key = await _maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = "k" });
        Assert.Equal(TimeSpan.FromHours(720), key.Record.ExpiresAt - key.Record.CreatedAt);
        Assert.Equal("720h0m0s", key.Lifetime.ToString());
    }

    [Fact]
    public async Task Key_names_are_trimmed_and_checked()
    {
        var key = await _maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = "  spaced name \t" });
        Assert.Equal("spaced name", key.Record.Name);
        Assert.Equal("name", (await Assert.ThrowsAsync<InvalidRequestException>(async () => await _maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = " \n " }))).Field);
        Assert.Equal("name", (await Assert.ThrowsAsync<InvalidRequestException>(async () => await _maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = "a\u0000b" }))).Field);
        Assert.Equal("name", (await Assert.ThrowsAsync<InvalidRequestException>(async () => await _maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = new string('x', 129) }))).Field);
        Assert.Equal("description", (await Assert.ThrowsAsync<InvalidRequestException>(async () => await _maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = "x", Description = new string('d', 1001) }))).Field);
        Assert.Single(await _maas.ApiKeys.ListAsync(Alice));
    }

    [Fact]
    public async Task A_user_in_no_tier_gets_neither_tokens_nor_keys()
    {
        var stranger = new MaasUser("eve", ["nobody"]);
        await Assert.ThrowsAsync<NoTierException>(async () => await _maas.Tokens.IssueAsync(stranger, null));
        await Assert.ThrowsAsync<NoTierException>(async () => await _maas.ApiKeys.CreateAsync(stranger, new ApiKeyRequest { Name = "k" }));
        Assert.Empty(await _maas.ApiKeys.ListAsync(stranger));
    }

    [Fact]
    public async Task Validation_reports_user_tier_and_why_a_credential_is_refused()
    {
        var token = await _maas.Tokens.IssueAsync(Bob, GoDuration.FromHours(1));
        var key = await _maas.ApiKeys.CreateAsync(Bob, new ApiKeyRequest { Name = "k", Expiration = GoDuration.FromHours(2) });

        var fromToken = await _maas.Credentials.ValidateAsync(token.Token);
        Assert.True(fromToken.IsValid);
        Assert.Equal(CredentialKind.Token, fromToken.Kind);
        Assert.Equal("bob", fromToken.User.Name);
        Assert.Equal("premium", fromToken.Tier.Name);
        Assert.Equal(token.Id, fromToken.Id);

        var fromKey = await _maas.Credentials.ValidateAsync(key.Key);
        Assert.True(fromKey.IsValid);
        Assert.Equal(CredentialKind.ApiKey, fromKey.Kind);
        Assert.Equal(key.Record.Id, fromKey.Id);
        Assert.Equal(["premium-group"], fromKey.User.Groups);

        Assert.Equal(ValidationFailure.Malformed, (await _maas.Credentials.ValidateAsync("not a credential")).Failure);
        Assert.Equal(ValidationFailure.Malformed, (await _maas.Credentials.ValidateAsync(key.Key[..^1] + (key.Key[^1] == 'a' ? 'b' : 'a'))).Failure);
        var parts = token.Token.Split('.');
        var forged = parts[0] + "." + parts[1] + "." + new string('A', parts[2].Length);
        Assert.Equal(ValidationFailure.BadSignature, (await _maas.Credentials.ValidateAsync(forged)).Failure);

        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(ValidationFailure.Expired, (await _maas.Credentials.ValidateAsync(token.Token)).Failure);
        Assert.True((await _maas.Credentials.ValidateAsync(key.Key)).IsValid);
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(ValidationFailure.Expired, (await _maas.Credentials.ValidateAsync(key.Key)).Failure);
    }

    [Fact]
    public async Task Revoke_all_ends_what_was_issued_before_and_spares_what_comes_after()
    {
        var token = await _maas.Tokens.IssueAsync(Alice, null);
        var key = await _maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = "before" });
        var bobsKey = await _maas.ApiKeys.CreateAsync(Bob, new ApiKeyRequest { Name = "bob's" });
        _clock.Advance(TimeSpan.FromMilliseconds(3));

        Assert.Equal(1, await _maas.Revocation.RevokeAllAsync(Alice));
        Assert.Equal(ValidationFailure.Revoked, (await _maas.Credentials.ValidateAsync(token.Token)).Failure);
        Assert.Equal(ValidationFailure.Revoked, (await _maas.Credentials.ValidateAsync(key.Key)).Failure);
        Assert.True((await _maas.Credentials.ValidateAsync(bobsKey.Key)).IsValid);

        _clock.Advance(TimeSpan.FromTicks(3000));
        var after = await _maas.Tokens.IssueAsync(Alice, null);
        var keyAfter = await _maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = "after" });
        Assert.Equal(token.IssuedAt.ToUnixTimeSeconds(), after.IssuedAt.ToUnixTimeSeconds());
        Assert.True((await _maas.Credentials.ValidateAsync(after.Token)).IsValid);
        Assert.True((await _maas.Credentials.ValidateAsync(keyAfter.Key)).IsValid);
        var statuses = (await _maas.ApiKeys.ListAsync(Alice)).Select(k => (k.Name, k.StatusAt(_maas.Now)));
        Assert.Equal([("after", ApiKeyStatus.Active), ("before", ApiKeyStatus.Revoked)], statuses);
    }

    [Fact]
    public async Task Revoking_one_key_leaves_the_others_and_foreign_ids_are_not_found()
    {
        var first = await _maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = "first" });
        var second = await _maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = "second" });
        Assert.False(await _maas.ApiKeys.RevokeAsync(Bob, first.Record.Id));
        Assert.Null(await _maas.ApiKeys.GetAsync(Bob, first.Record.Id));
        Assert.True(await _maas.ApiKeys.RevokeAsync(Alice, first.Record.Id));
        Assert.Equal(ValidationFailure.Revoked, (await _maas.Credentials.ValidateAsync(first.Key)).Failure);
        Assert.True((await _maas.Credentials.ValidateAsync(second.Key)).IsValid);
    }
}
