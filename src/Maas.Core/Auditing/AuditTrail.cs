using Maas.Administration;
using Maas.ApiKeys;
using Maas.Errors;
using Maas.Users;

namespace Maas.Auditing;

/// <summary>
/// Reads the audit trail, for administrators only. The trail is written by the services whose
/// actions it records. Registered by <c>AddMaasCore</c> as a singleton.
/// </summary>
public sealed class AuditTrail
{
    private readonly Administrators _administrators;
    private readonly IAuditLog _audit;

    internal AuditTrail(Administrators administrators, IAuditLog audit)
    {
        _administrators = administrators;
        _audit = audit;
    }

    /// <summary>
    /// Reads a page of the audit trail. Only administrators (<see cref="Administrators.Includes"/>) may; anyone
    /// else, an API key included whatever its groups, gets <see cref="AdministratorRequiredException"/>. Throws <see cref="InvalidRequestException"/> for a
    /// limit outside 1 to <see cref="AuditQuery.MaxLimit"/>.
    /// </summary>
    /// <param name="user">The signed-in caller.</param>
    /// <param name="query">Which entries to read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries, newest first, and where the next page starts.</returns>
    public ValueTask<AuditPage> ReadAsync(MaasUser user, AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(query);
        if (!_administrators.Includes(user))
        {
            throw Administrators.Refusal(user, "Only administrators may read the audit trail.");
        }

        if (query.Limit is < 1 or > AuditQuery.MaxLimit)
        {
            throw new InvalidRequestException("limit", $"limit must be between 1 and {AuditQuery.MaxLimit} (got {query.Limit}).");
        }

        foreach (var (field, text) in new[] { ("actor", query.Actor), ("subject", query.Subject), ("key_id", query.KeyId) })
        {
            StorableText.Require(field, text);
        }

        return _audit.QueryAsync(query, cancellationToken);
    }
}
