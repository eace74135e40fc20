namespace Maas.Auditing;

/// <summary>The wire and storage names of <see cref="AuditAction"/>: stores keep these, so renaming an enum member never changes stored rows.</summary>
public static class AuditActionNames
{
    /// <summary>Returns the name of <paramref name="action"/> (<c>create</c>, <c>revoke</c>, <c>rotate</c>, <c>revoke_all</c>, <c>bulk_revoke</c>, <c>set_limits</c>).</summary>
    public static string ToName(AuditAction action) => action switch
    {
        AuditAction.Create => "create",
        AuditAction.Revoke => "revoke",
        AuditAction.Rotate => "rotate",
        AuditAction.RevokeAll => "revoke_all",
        AuditAction.BulkRevoke => "bulk_revoke",
        AuditAction.SetLimits => "set_limits",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown audit action."),
    };

    /// <summary>Parses a name written by <see cref="ToName"/>; <see langword="false"/> for anything else.</summary>
    public static bool TryParse(string? name, out AuditAction action)
    {
        action = name switch
        {
            "create" => AuditAction.Create,
            "revoke" => AuditAction.Revoke,
            "rotate" => AuditAction.Rotate,
            "revoke_all" => AuditAction.RevokeAll,
            "bulk_revoke" => AuditAction.BulkRevoke,
            "set_limits" => AuditAction.SetLimits,
            _ => 0,
        };
        return action != 0;
    }

    /// <summary>Parses a stored name; throws <see cref="InvalidDataException"/> for one this build does not know (a newer build wrote it).</summary>
    public static AuditAction Parse(string name) =>
        TryParse(name, out var action) ? action : throw new InvalidDataException($"The audit trail holds an action this build does not know: '{name}'.");
}
