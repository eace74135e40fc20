namespace Maas.ApiKeys;

/// <summary>What <see cref="IKeyStore.RotateAsync"/> did, and the old key as it stands after it.</summary>
public sealed record KeyRotationResult
{
    /// <summary>Gets how the rotation ended.</summary>
    public required KeyRotationOutcome Outcome { get; init; }

    /// <summary>Gets the old key after the rotation (or as found, when nothing changed); <see langword="null"/> when not found.</summary>
    public ApiKeyRecord? Previous { get; init; }
}
