using Maas.ApiKeys;
using Maas.Errors;
using Maas.Tiers;
using Maas.Users;
using Maas.Validation;

namespace Maas.Core.Tests.Validation;

/// <summary>
/// A key bound to a subscription (a tier's name) validates with that tier, not its owner's highest;
/// when the tier is gone or its owner is not in it, the key is refused as not entitled, naming the subscription.
/// </summary>
public sealed class SubscriptionValidationTests
{
    private static readonly MaasUser Carol = new("carol", ["system:authenticated", "premium-group"]);

    [Fact]
    public async Task A_key_validates_with_its_subscriptions_tier_and_one_without_with_the_owners_highest()
    {
        using var context = new ValidationTestContext();
        var free = await context.Service.ApiKeys.CreateAsync(Carol, new ApiKeyRequest { Name = "cheap", Subscription = "free" });
        var highest = await context.Service.ApiKeys.CreateAsync(Carol, new ApiKeyRequest { Name = "best" });

        var bound = await context.ValidateAsync(free.Key);
        Assert.True(bound.IsValid);
        Assert.Equal("free", bound.Tier.Name);
        Assert.Equal("free", bound.Subscription);
        Assert.Equal("free", free.Record.Subscription);
        var unbound = await context.ValidateAsync(highest.Key);
        Assert.Equal("premium", unbound.Tier!.Name);
        Assert.Null(unbound.Subscription);
    }

    [Fact]
    public async Task A_key_whose_subscription_no_tier_has_or_its_owner_is_not_in_is_refused_as_not_entitled_even_from_the_cache()
    {
        using var context = new ValidationTestContext();
        var retired = ApiKeyFormat.Generate();
        var foreign = ApiKeyFormat.Generate();
        foreach (var (generated, subscription) in new[] { (retired, "retired"), (foreign, "enterprise") })
        {
            await context.Store.AddAsync(new ApiKeyRecord
            {
                Id = generated.KeyId,
                Owner = "carol",
                OwnerGroups = Carol.Groups,
                Name = subscription,
                Hash = generated.Hash,
                CreatedAt = context.Time.GetUtcNow(),
                ExpiresAt = context.Time.GetUtcNow().AddDays(1),
                Subscription = subscription,
            });
        }

        for (var i = 0; i < 2; i++)
        {
            var gone = await context.ValidateAsync(retired.Key);
            Assert.Equal(ValidationFailure.NotEntitled, gone.Failure);
            Assert.Equal("retired", gone.Subscription);
            Assert.Null(gone.Tier);
            var notTheirs = await context.ValidateAsync(foreign.Key);
            Assert.Equal(ValidationFailure.NotEntitled, notTheirs.Failure);
            Assert.Equal("enterprise", notTheirs.Subscription);
        }

        Assert.Equal(2, context.Store.FindByHashCalls);
    }

    [Theory]
    [InlineData("enterprise")]
    [InlineData("no-such-tier")]
    [InlineData("Premium")]
    [InlineData("pre\u0007mium")]
    [InlineData("pre\u0000mium")]
    public async Task Create_refuses_a_subscription_the_user_is_not_entitled_to_with_invalid_subscription(string subscription)
    {
        using var context = new ValidationTestContext();
        var refused = await Assert.ThrowsAsync<InvalidRequestException>(
            async () => await context.Service.ApiKeys.CreateAsync(Carol, new ApiKeyRequest { Name = "k", Subscription = subscription }));
        Assert.Equal("subscription", refused.Field);
        Assert.Equal("invalid_subscription", refused.Code);
        Assert.DoesNotContain(subscription, refused.Message, StringComparison.Ordinal);
        Assert.Empty(await context.Service.ApiKeys.ListAsync(Carol));
    }

    [Fact]
    public async Task Create_refuses_a_subscription_longer_than_253_characters_and_ignores_a_blank_one()
    {
        using var context = new ValidationTestContext();
        var refused = await Assert.ThrowsAsync<InvalidRequestException>(
            async () => await context.Service.ApiKeys.CreateAsync(Carol, new ApiKeyRequest { Name = "k", Subscription = new string('p', 254) }));
        Assert.Equal("invalid_subscription", refused.Code);
        var blank = await context.Service.ApiKeys.CreateAsync(Carol, new ApiKeyRequest { Name = "k", Subscription = "  " });
        Assert.Null(blank.Record.Subscription);
    }

    [Fact]
    public async Task Bulk_revoke_by_subscription_is_for_administrators_only_even_over_ones_own_keys()
    {
        using var context = new ValidationTestContext();
        var key = await context.Service.ApiKeys.CreateAsync(Carol, new ApiKeyRequest { Name = "k", Subscription = "premium" });
        await Assert.ThrowsAsync<AdministratorRequiredException>(
            async () => await context.Service.Administration.BulkRevokeSubscriptionAsync(Carol, "premium", "carol", dryRun: false));
        Assert.True((await context.ValidateAsync(key.Key)).IsValid);
    }
}
