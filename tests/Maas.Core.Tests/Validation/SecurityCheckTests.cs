using Maas.ApiKeys;
using Maas.Validation;

namespace Maas.Core.Tests.Validation;

/// <summary>
/// The checks that stand between a refused credential and an accepted one, each pinned by a test
/// that fails when the check is dropped (each was mutated by hand to see it fail).
/// </summary>
public sealed class SecurityCheckTests
{
    [Fact]
    public async Task Revoked_key_is_not_accepted_again_from_the_cache_after_another_key_of_its_owner_reloaded_the_owner()
    {
        using var context = new ValidationTestContext();
        var (revoked, revokedId) = await context.CreateKeyAsync();
        var (other, _) = await context.CreateKeyAsync();
        Assert.True((await context.ValidateAsync(revoked)).IsValid);

        Assert.True(await context.Service.ApiKeys.RevokeAsync(ValidationTestContext.Alice, revokedId));

        // The owner's state is reloaded with a new version by the other key's check; the revoked
        // key's cache entry still says "not revoked" but carries the old version.
        Assert.True((await context.ValidateAsync(other)).IsValid);
        Assert.Equal(ValidationFailure.Revoked, (await context.ValidateAsync(revoked)).Failure);
        Assert.Equal(ValidationFailure.Revoked, (await context.ValidateAsync(revoked)).Failure);
    }

    [Fact]
    public async Task Key_created_before_the_owners_revoked_before_instant_is_refused_even_when_never_marked_revoked()
    {
        using var context = new ValidationTestContext();
        var (key, _) = await context.CreateKeyAsync();
        context.Time.Advance(TimeSpan.FromSeconds(1));
        await context.Service.Revocation.RevokeAllAsync(ValidationTestContext.Alice);

        // The store lost the marking (the add raced the revoke-all): only the instant refuses it.
        context.Store.AlterFound = record => record with { RevokedAt = null };

        Assert.Equal(ValidationFailure.Revoked, (await context.ValidateAsync(key)).Failure);
    }

    [Fact]
    public async Task A_store_whose_hash_lookup_returns_a_record_with_another_hash_does_not_validate_the_key()
    {
        using var context = new ValidationTestContext();
        var (key, _) = await context.CreateKeyAsync();
        context.Store.AlterFound = record =>
        {
            var other = (byte[])record.Hash.Clone();
            other[^1] ^= 0x01;
            return record with { Hash = other };
        };

        Assert.Equal(ValidationFailure.Unknown, (await context.ValidateAsync(key)).Failure);
    }

    [Fact]
    public void Hashes_differing_only_in_the_last_byte_are_not_equal()
    {
        var hash = ApiKeyFormat.Generate().Hash;
        var twin = (byte[])hash.Clone();
        twin[^1] ^= 0x80;

        Assert.True(ApiKeyFormat.HashesEqual(hash, (byte[])hash.Clone()));
        Assert.False(ApiKeyFormat.HashesEqual(hash, twin));
        Assert.False(ApiKeyFormat.HashesEqual(hash, hash.AsSpan(0, hash.Length - 1)));
    }
}
