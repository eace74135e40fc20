namespace Maas.ApiKeys;

/// <summary>A key just created: the only moment the key text is available.</summary>
public sealed class CreatedApiKey
{
    /// <summary>Gets the key to present as a bearer credential. Show it once; it is not stored.</summary>
    public required string Key { get; init; }

    /// <summary>Gets what was stored about the key.</summary>
    public required ApiKeyRecord Record { get; init; }

    /// <summary>Gets the lifetime granted.</summary>
    public required Durations.GoDuration Lifetime { get; init; }
}
