namespace Maas.Auditing;

/// <summary>What an audit entry records. The wire names are <c>create</c>, <c>revoke</c>, <c>rotate</c>, <c>revoke_all</c>, <c>bulk_revoke</c> and <c>set_limits</c>.</summary>
public enum AuditAction
{
    /// <summary>An API key was created (<c>create</c>).</summary>
    Create = 1,

    /// <summary>One API key was revoked (<c>revoke</c>).</summary>
    Revoke = 2,

    /// <summary>An API key was rotated: the entry's key id is the new key, <see cref="AuditEntry.ReplacedKeyId"/> the old one (<c>rotate</c>).</summary>
    Rotate = 3,

    /// <summary>Every token and key of the subject was revoked (<c>DELETE /v1/tokens</c>, <c>revoke_all</c>); <see cref="AuditEntry.Count"/> keys were marked.</summary>
    RevokeAll = 4,

    /// <summary>An administrator (or the subject) revoked the subject's keys in bulk (<c>bulk_revoke</c>); <see cref="AuditEntry.Count"/> keys were marked.</summary>
    BulkRevoke = 5,

    /// <summary>An administrator set or changed a key's own limits (<c>set_limits</c>); <see cref="AuditEntry.Detail"/> holds the old and new limits.</summary>
    SetLimits = 6,
}
