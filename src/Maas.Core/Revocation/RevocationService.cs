using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Telemetry;
using Maas.Tokens;
using Maas.Users;

namespace Maas.Revocation;

/// <summary>
/// Revokes everything a user holds at once, tokens and keys (<c>DELETE /v1/tokens</c>); one key
/// is revoked by <see cref="ApiKeyService.RevokeAsync"/>. Registered by <c>AddMaasCore</c> as a singleton.
/// </summary>
public sealed class RevocationService
{
    private readonly IKeyStore _store;
    private readonly ITokenIssuer _issuer;
    private readonly RevocationSignal _revocations;
    private readonly IAuditLog _audit;
    private readonly TimeProvider _time;
    private readonly MaasMetrics _metrics;

    internal RevocationService(IKeyStore store, ITokenIssuer issuer, RevocationSignal revocations, IAuditLog audit, TimeProvider time, MaasMetrics metrics)
    {
        _store = store;
        _issuer = issuer;
        _revocations = revocations;
        _audit = audit;
        _time = time;
        _metrics = metrics;
    }

    /// <summary>
    /// Revokes every token and key the user holds now: tokens issued before this instant fail
    /// validation, and all their keys are marked revoked. Returns how many keys were newly revoked.
    /// Recorded in the audit trail with <paramref name="context"/>, as <see cref="ApiKeyService.RevokeAsync"/>.
    /// </summary>
    public async ValueTask<int> RevokeAllAsync(MaasUser user, MaasRequestContext? context = null, CancellationToken cancellationToken = default)
    {
        context ??= MaasRequestContext.None;
        ArgumentNullException.ThrowIfNull(user);
        StorableText.Require(user);
        using var activity = MaasMetrics.ActivitySource.StartActivity("maas.revoke_all");
        var now = _time.GetUtcNow();
        var count = await _store.RevokeAllAsync(user.Name, now, cancellationToken).ConfigureAwait(false);
        _revocations.Publish(new RevocationEvent { Owner = user.Name, RevokedBefore = now });
        await _issuer.RevokeAllAsync(user, cancellationToken).ConfigureAwait(false);
        _metrics.Revoked("all");
        activity?.SetTag("maas.revoked_keys", count);

        // Idempotent, as a single revocation: a failed append is a 503 the caller retries.
        await _audit.RecordAsync(user, AuditAction.RevokeAll, user.Name, null, count, now, context, cancellationToken).ConfigureAwait(false);
        return count;
    }
}
