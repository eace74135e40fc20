namespace Maas.ApiKeys;

/// <summary>How a <see cref="KeyRotation"/> ended.</summary>
public enum KeyRotationOutcome
{
    /// <summary>The new key is stored, the old one expires at the end of the grace, the audit entry is appended.</summary>
    Rotated = 0,

    /// <summary>The owner has no key with that id; nothing changed.</summary>
    NotFound = 1,

    /// <summary>The key is revoked; nothing changed.</summary>
    Revoked = 2,

    /// <summary>The key had expired at the rotation's instant; nothing changed.</summary>
    Expired = 3,

    /// <summary>The key was rotated before (<see cref="ApiKeyRecord.ReplacedBy"/> names its replacement); nothing changed.</summary>
    AlreadyReplaced = 4,
}
