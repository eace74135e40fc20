using Maas.ApiKeys;
using Maas.Revocation;
using Maas.Tiers;
using Maas.Validation;

namespace Maas.Core.Tests.Validation;

/// <summary>The validation caches: repeat checks skip the store and the signature, and revocations still win at once.</summary>
public sealed class CredentialCacheTests
{
    [Fact]
    public async Task Repeat_key_check_is_answered_from_the_cache_without_the_store()
    {
        using var context = new ValidationTestContext();
        var (key, id) = await context.CreateKeyAsync();

        var first = await context.ValidateAsync(key);
        var second = await context.ValidateAsync(key);

        Assert.True(first.IsValid);
        Assert.Same(first, second);
        Assert.Equal(id, second.Id);
        Assert.Equal("premium", second.Tier!.Name);
        Assert.Equal(1, context.Store.FindByHashCalls);
        Assert.Equal(1, context.Store.RevokedBeforeCalls);
    }

    [Fact]
    public async Task Repeat_token_check_skips_verification_and_the_store_and_a_tampered_copy_is_not_a_hit()
    {
        using var context = new ValidationTestContext();
        var token = (await context.IssueTokenAsync()).Token;

        Assert.True((await context.ValidateAsync(token)).IsValid);
        Assert.True((await context.ValidateAsync(token)).IsValid);
        Assert.Equal(1, context.Store.RevokedBeforeCalls);
        Assert.Equal(1, context.Validator.Cache.Tokens.Count);

        var tampered = token[..^2] + (token[^2] == 'A' ? "BA" : "AA");
        Assert.Equal(ValidationFailure.BadSignature, (await context.ValidateAsync(tampered)).Failure);
        Assert.Equal(1, context.Validator.Cache.Tokens.Count);
    }

    [Fact]
    public async Task Cached_token_expires_at_the_exact_instant_of_exp()
    {
        using var context = new ValidationTestContext();
        var issued = await context.IssueTokenAsync(lifetime: TimeSpan.FromMinutes(10));
        var first = await context.ValidateAsync(issued.Token);
        Assert.True(first.IsValid);

        context.Time.SetUtcNow(first.ExpiresAt.AddTicks(-1));
        Assert.True((await context.ValidateAsync(issued.Token)).IsValid);

        context.Time.SetUtcNow(first.ExpiresAt);
        var expired = await context.ValidateAsync(issued.Token);
        Assert.Equal(ValidationFailure.Expired, expired.Failure);
        Assert.Equal(CredentialKind.Token, expired.Kind);
        Assert.Equal(1, context.Store.RevokedBeforeCalls);
    }

    [Fact]
    public async Task Cached_key_expires_at_the_exact_instant_of_its_expiry()
    {
        using var context = new ValidationTestContext();
        var (key, _) = await context.CreateKeyAsync(lifetime: TimeSpan.FromMinutes(30));
        var first = await context.ValidateAsync(key);
        Assert.True(first.IsValid);

        context.Time.SetUtcNow(first.ExpiresAt.AddTicks(-1));
        Assert.True((await context.ValidateAsync(key)).IsValid);
        context.Time.SetUtcNow(first.ExpiresAt);
        Assert.Equal(ValidationFailure.Expired, (await context.ValidateAsync(key)).Failure);
        Assert.Equal(1, context.Store.FindByHashCalls);
    }

    [Fact]
    public async Task Key_revoked_while_cached_positive_is_refused_at_the_next_check()
    {
        using var context = new ValidationTestContext();
        var (key, id) = await context.CreateKeyAsync();
        var (other, _) = await context.CreateKeyAsync();
        Assert.True((await context.ValidateAsync(key)).IsValid);
        Assert.True((await context.ValidateAsync(other)).IsValid);
        Assert.True((await context.ValidateAsync(key)).IsValid);

        Assert.True(await context.Service.ApiKeys.RevokeAsync(ValidationTestContext.Alice, id));

        Assert.Equal(ValidationFailure.Revoked, (await context.ValidateAsync(key)).Failure);
        Assert.True((await context.ValidateAsync(other)).IsValid);
    }

    [Fact]
    public async Task Revoke_all_refuses_cached_tokens_and_keys_of_that_owner_only()
    {
        using var context = new ValidationTestContext();
        var token = (await context.IssueTokenAsync()).Token;
        var (key, _) = await context.CreateKeyAsync();
        var bobToken = (await context.IssueTokenAsync(ValidationTestContext.Bob)).Token;
        foreach (var credential in new[] { token, key, bobToken })
        {
            Assert.True((await context.ValidateAsync(credential)).IsValid);
        }

        context.Time.Advance(TimeSpan.FromMilliseconds(5));
        await context.Service.Revocation.RevokeAllAsync(ValidationTestContext.Alice);

        Assert.Equal(ValidationFailure.Revoked, (await context.ValidateAsync(token)).Failure);
        Assert.Equal(ValidationFailure.Revoked, (await context.ValidateAsync(key)).Failure);
        Assert.True((await context.ValidateAsync(bobToken)).IsValid);

        context.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True((await context.ValidateAsync((await context.IssueTokenAsync()).Token)).IsValid);
    }

    [Fact]
    public async Task Key_check_that_read_the_store_before_a_revocation_does_not_cache_its_stale_answer()
    {
        using var context = new ValidationTestContext();
        var (key, id) = await context.CreateKeyAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        context.Store.Gate = gate.Task;

        // The check reads "active" from the store, then stalls before it can cache the answer.
        var inFlight = context.ValidateAsync(key).AsTask();
        await context.Store.ReadStarted.Task;
        context.Store.Gate = null;
        Assert.True(await context.Service.ApiKeys.RevokeAsync(ValidationTestContext.Alice, id));
        gate.SetResult();
        Assert.True((await inFlight).IsValid); // it started before the revocation

        Assert.Equal(ValidationFailure.Revoked, (await context.ValidateAsync(key)).Failure);
    }

    [Fact]
    public async Task Token_check_that_read_the_owner_before_a_revoke_all_does_not_cache_its_stale_answer()
    {
        using var context = new ValidationTestContext();
        var token = (await context.IssueTokenAsync()).Token;
        context.Time.Advance(TimeSpan.FromMilliseconds(5));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        context.Store.Gate = gate.Task;

        var inFlight = context.ValidateAsync(token).AsTask();
        await context.Store.ReadStarted.Task;
        context.Store.Gate = null;
        await context.Service.Revocation.RevokeAllAsync(ValidationTestContext.Alice);
        gate.SetResult();
        Assert.True((await inFlight).IsValid);

        Assert.Equal(ValidationFailure.Revoked, (await context.ValidateAsync(token)).Failure);
    }

    [Fact]
    public async Task Resynchronize_clears_every_cache_and_picks_up_revocations_whose_events_were_missed()
    {
        using var context = new ValidationTestContext();
        var token = (await context.IssueTokenAsync()).Token;
        var (key, _) = await context.CreateKeyAsync();
        Assert.True((await context.ValidateAsync(token)).IsValid);
        Assert.True((await context.ValidateAsync(key)).IsValid);
        Assert.Equal(ValidationFailure.Unknown, (await context.ValidateAsync(Generate())).Failure);

        // Another replica revoked both through the shared store; its events never arrived.
        context.Time.Advance(TimeSpan.FromMilliseconds(5));
        await context.Store.RevokeAllAsync("alice", context.Time.GetUtcNow());
        Assert.True((await context.ValidateAsync(token)).IsValid);
        Assert.True((await context.ValidateAsync(key)).IsValid);

        context.Signal.Publish(new RevocationEvent { Owner = "", Resynchronize = true });

        Assert.Equal(0, context.Validator.Cache.Keys.Count);
        Assert.Equal(0, context.Validator.Cache.Tokens.Count);
        Assert.Equal(0, context.Validator.Cache.Owners.Count);
        Assert.Equal(ValidationFailure.Revoked, (await context.ValidateAsync(token)).Failure);
        Assert.Equal(ValidationFailure.Revoked, (await context.ValidateAsync(key)).Failure);
    }

    [Fact]
    public async Task Events_from_other_replicas_invalidate_like_local_ones()
    {
        using var context = new ValidationTestContext();
        var (key, id) = await context.CreateKeyAsync();
        Assert.True((await context.ValidateAsync(key)).IsValid);

        // What the PostgreSQL store will do: the row changed elsewhere, then the event arrives.
        await context.Store.RevokeAsync("alice", id, context.Time.GetUtcNow());
        Assert.True((await context.ValidateAsync(key)).IsValid);
        context.Signal.Publish(new RevocationEvent { Owner = "alice", KeyId = id });

        Assert.Equal(ValidationFailure.Revoked, (await context.ValidateAsync(key)).Failure);
    }

    [Fact]
    public async Task Unknown_key_is_remembered_for_the_negative_duration_then_asked_again()
    {
        using var context = new ValidationTestContext(negativeDuration: TimeSpan.FromSeconds(30));
        var madeUp = Generate();

        Assert.Equal(ValidationFailure.Unknown, (await context.ValidateAsync(madeUp)).Failure);
        context.Time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.Equal(ValidationFailure.Unknown, (await context.ValidateAsync(madeUp)).Failure);
        Assert.Equal(1, context.Store.FindByHashCalls);

        context.Time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(ValidationFailure.Unknown, (await context.ValidateAsync(madeUp)).Failure);
        Assert.Equal(2, context.Store.FindByHashCalls);
    }

    [Fact]
    public async Task Key_and_token_of_an_owner_whose_groups_match_no_tier_are_refused_for_no_tier_even_from_the_cache()
    {
        // Credentials issued when the owner had a tier, judged by a service whose tiers no longer match.
        using var context = new ValidationTestContext(tiers: new TierResolver([new Tier { Name = "gold", Groups = { "gold-users" } }]));
        var token = new Maas.Tokens.JwtTokenIssuer(context.Keys, context.Options, context.Time)
            .Issue(ValidationTestContext.Bob, new Tier { Name = "free" }, TimeSpan.FromHours(1)).Token;
        var generated = ApiKeyFormat.Generate();
        await context.Store.AddAsync(new ApiKeyRecord
        {
            Id = generated.KeyId,
            Owner = "bob",
            OwnerGroups = ["system:authenticated"],
            Name = "old",
            Hash = generated.Hash,
            CreatedAt = context.Time.GetUtcNow(),
            ExpiresAt = context.Time.GetUtcNow().AddDays(1),
        });

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(ValidationFailure.NoTier, (await context.ValidateAsync(token)).Failure);
            Assert.Equal(ValidationFailure.NoTier, (await context.ValidateAsync(generated.Key)).Failure);
        }

        Assert.Equal(1, context.Store.FindByHashCalls);
    }

    [Fact]
    public async Task Checksum_failures_never_reach_the_cache_or_the_store()
    {
        using var context = new ValidationTestContext();
        var real = Generate();
        foreach (var bad in new[] { real[..^1] + (real[^1] == 'a' ? 'b' : 'a'), "sk-maas-x", real + "x", real.Replace('_', '-') })
        {
            Assert.Equal(ValidationFailure.Malformed, (await context.ValidateAsync(bad)).Failure);
        }

        Assert.Equal(0, context.Store.FindByHashCalls);
        Assert.Equal(0, context.Validator.Cache.Keys.Count);
    }

    internal static string Generate() => ApiKeyFormat.Generate().Key;
}
