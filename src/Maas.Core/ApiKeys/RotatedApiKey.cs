namespace Maas.ApiKeys;

/// <summary>A key just rotated: the new key (shown once, as at creation) and the old key with its shortened expiry.</summary>
public sealed class RotatedApiKey
{
    /// <summary>Gets the new key to present as a bearer credential. Show it once; it is not stored.</summary>
    public required string Key { get; init; }

    /// <summary>Gets what was stored about the new key.</summary>
    public required ApiKeyRecord Record { get; init; }

    /// <summary>Gets the new key's lifetime.</summary>
    public required Durations.GoDuration Lifetime { get; init; }

    /// <summary>Gets the old key after the rotation: its <see cref="ApiKeyRecord.ExpiresAt"/> is when it stops working.</summary>
    public required ApiKeyRecord Previous { get; init; }
}
