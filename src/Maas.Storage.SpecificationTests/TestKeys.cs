using System.Security.Cryptography;
using Maas.ApiKeys;

namespace Maas.Storage.SpecificationTests;

/// <summary>Builds API key records for store tests: fixed instants, random ids and hashes.</summary>
public static class TestKeys
{
    /// <summary>An instant with microsecond digits, so precision loss shows.</summary>
    public static readonly DateTimeOffset Epoch = new DateTimeOffset(2025, 3, 14, 15, 9, 26, TimeSpan.Zero).AddTicks(5358970);

    /// <summary>Returns a fresh random key id (base62-ish, 16 characters).</summary>
    public static string NewId() => RandomNumberGenerator.GetString("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 16);

    /// <summary>Returns a fresh random 32-byte hash.</summary>
    public static byte[] NewHash() => RandomNumberGenerator.GetBytes(32);

    /// <summary>Creates a key record for <paramref name="owner"/>.</summary>
    public static ApiKeyRecord Create(
        string owner,
        DateTimeOffset? createdAt = null,
        string? id = null,
        string name = "key",
        string? description = null,
        IReadOnlyList<string>? groups = null,
        TimeSpan? lifetime = null,
        byte[]? hash = null)
    {
        var created = createdAt ?? Epoch;
        return new ApiKeyRecord
        {
            Id = id ?? NewId(),
            Owner = owner,
            OwnerGroups = groups ?? ["system:authenticated", "tier-free-users"],
            Name = name,
            Description = description,
            Hash = hash ?? NewHash(),
            CreatedAt = created,
            ExpiresAt = created + (lifetime ?? TimeSpan.FromDays(30)),
        };
    }
}
