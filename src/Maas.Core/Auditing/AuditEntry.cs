namespace Maas.Auditing;

/// <summary>
/// One line of the audit trail: who (<see cref="Actor"/>) did what (<see cref="Action"/>) to whose
/// keys (<see cref="Subject"/>), when, from which request and address. Never a secret: no key, token or hash.
/// </summary>
public sealed record AuditEntry
{
    /// <summary>Gets the position the store gave the entry (increasing in append order); 0 before it is appended.</summary>
    public long Sequence { get; init; }

    /// <summary>Gets when the action happened.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Gets what was done.</summary>
    public required AuditAction Action { get; init; }

    /// <summary>Gets the name of the user who did it.</summary>
    public required string Actor { get; init; }

    /// <summary>Gets the name of the user whose keys it concerned (the key owner).</summary>
    public required string Subject { get; init; }

    /// <summary>Gets the key concerned (for a rotation, the new key), when one is.</summary>
    public string? KeyId { get; init; }

    /// <summary>Gets the key a rotation replaced, for <see cref="AuditAction.Rotate"/>.</summary>
    public string? ReplacedKeyId { get; init; }

    /// <summary>Gets how many keys a revoke-all or bulk revoke marked revoked.</summary>
    public int? Count { get; init; }

    /// <summary>Gets the request that did it (the host's request or trace id), when known.</summary>
    public string? RequestId { get; init; }

    /// <summary>Gets the client address the request came from, when known.</summary>
    public string? ClientAddress { get; init; }

    /// <summary>
    /// Gets what changed, for <see cref="AuditAction.SetLimits"/>: a JSON object
    /// <c>{"old":…,"new":…}</c> of the key's limits before and after (<c>null</c> for none), as the REST API names them. Never a secret.
    /// </summary>
    public string? Detail { get; init; }
}
