using Maas.Users;

namespace Maas.Auditing;

/// <summary>The audit entry of an action the services took: who, what, whose, when and from which request.</summary>
internal static class AuditEntries
{
    public static AuditEntry Create(
        MaasUser actor, AuditAction action, string subject, string? keyId, int? count, DateTimeOffset at, MaasRequestContext context) => new()
    {
        At = at,
        Action = action,
        Actor = actor.Name,
        Subject = subject,
        KeyId = keyId,
        Count = count,
        RequestId = context.RequestId,
        ClientAddress = context.ClientAddress,
    };

    /// <summary>
    /// Appends an audit entry for an action already taken.
    /// A store that cannot append throws <see cref="ApiKeys.StoreUnavailableException"/>, which hosts answer 503:
    /// every action recorded this way is idempotent, so the caller's retry records it.
    /// </summary>
    public static ValueTask RecordAsync(
        this IAuditLog audit, MaasUser actor, AuditAction action, string subject, string? keyId, int? count, DateTimeOffset at, MaasRequestContext context, CancellationToken cancellationToken) =>
        audit.AppendAsync(Create(actor, action, subject, keyId, count, at, context), cancellationToken);
}
