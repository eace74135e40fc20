using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Models;
using Maas.Errors;
using Maas.Kubernetes.Authentication;
using Maas.Tiers;
using Maas.Tokens;
using Maas.Users;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Maas.Kubernetes.Tokens;

/// <summary>
/// Issues Kubernetes service-account tokens with the TokenRequest API, as the Go maas-api did: a
/// namespace per tier (<c>&lt;instance&gt;-tier-&lt;tier&gt;</c>), a service account per user (named by
/// <see cref="ServiceAccountName"/>), the audience <c>&lt;instance&gt;-sa</c> and the requested lifetime.
/// The cluster signs the token; <c>jti</c>, <c>iat</c> and <c>exp</c> are read from it.
/// </summary>
/// <remarks>
/// One call in the steady state (the TokenRequest); the namespace and the account are created only
/// when it answers 404, and creations that race another replica (409 AlreadyExists) count as done.
/// An account this process did not create is read once, and refused (409, logged) when its
/// <c>maas.opendatahub.io/user</c> annotation names another user, so two users never share an
/// account whatever their names sanitize to; revoke-all leaves such an account alone.
/// Revoke-all deletes and recreates the user's account in every tier namespace of the instance,
/// which invalidates every token the cluster issued for it.
/// </remarks>
internal sealed partial class ServiceAccountTokenIssuer : ITokenIssuer
{
    private const int MaxRememberedOwners = 100_000;

    private readonly IKubernetes _client;
    private readonly MaasKubernetesOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly KubernetesTokenReviewer? _reviewer;

    // The accounts (namespace/name) known to be the user's own: made here, or read and checked once.
    private readonly ConcurrentDictionary<string, string> _owners = new(StringComparer.Ordinal);

    public ServiceAccountTokenIssuer(IKubernetes client, IOptions<MaasKubernetesOptions> options, TimeProvider time, ILogger<ServiceAccountTokenIssuer> logger, KubernetesTokenReviewer? reviewer = null)
    {
        _client = client;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _reviewer = reviewer;
    }

    public async ValueTask<IssuedToken> IssueAsync(MaasUser user, Tier tier, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(tier);
        var ns = _options.TierNamespace(tier.Name);
        var account = ServiceAccountName.For(user.Name);
        var request = new Authenticationv1TokenRequest
        {
            Spec = new V1TokenRequestSpec
            {
                Audiences = [_options.TokenAudience],
                ExpirationSeconds = (long)Math.Ceiling(lifetime.TotalSeconds),
            },
        };

        Authenticationv1TokenRequest issued;
        try
        {
            await EnsureOwnedAsync(ns, account, user.Name, cancellationToken).ConfigureAwait(false);
            try
            {
                issued = await _client.CoreV1.CreateNamespacedServiceAccountTokenAsync(request, account, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (KubernetesFailures.Is(ex, HttpStatusCode.NotFound))
            {
                // First token of this user in this tier (or the account was just revoked): create what is missing, once.
                await EnsureNamespaceAsync(ns, tier.Name, cancellationToken).ConfigureAwait(false);
                await EnsureServiceAccountAsync(ns, account, user.Name, tier.Name, cancellationToken).ConfigureAwait(false);
                issued = await _client.CoreV1.CreateNamespacedServiceAccountTokenAsync(request, account, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (KubernetesFailures.IsUnavailable(ex, cancellationToken) || KubernetesFailures.Is(ex, HttpStatusCode.NotFound))
        {
            // A second 404: the account was deleted again in between (a concurrent revoke-all); the caller may retry.
            LogIssueFailed(_logger, ns, account, KubernetesFailures.Describe(ex));
            throw KubernetesFailures.Unavailable("issue a service-account token", ex);
        }

        var token = issued.Status?.Token;
        if (string.IsNullOrEmpty(token))
        {
            throw new InvalidOperationException($"The API server answered the TokenRequest for {ns}/{account} without a token.");
        }

        var claims = ServiceAccountTokenClaims.Read(token);
        var now = _time.GetUtcNow();
        return new IssuedToken
        {
            Token = token,
            Id = claims.Id,
            IssuedAt = claims.IssuedAt ?? now,
            ExpiresAt = claims.ExpiresAt ?? (issued.Status!.ExpirationTimestamp is { } expires ? new DateTimeOffset(DateTime.SpecifyKind(expires, DateTimeKind.Utc)) : now + lifetime),
        };
    }

    public async ValueTask RevokeAllAsync(MaasUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var account = ServiceAccountName.For(user.Name);
        try
        {
            var namespaces = await _client.CoreV1.ListNamespaceAsync(labelSelector: MaasObjectLabels.TierNamespaceSelector(_options.InstanceName), cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var ns in namespaces.Items)
            {
                var name = ns.Metadata.Name;
                var tier = ns.Metadata.Labels?.TryGetValue(MaasObjectLabels.Tier, out var t) == true ? t : name;
                try
                {
                    var existing = await _client.CoreV1.ReadNamespacedServiceAccountAsync(account, name, cancellationToken: cancellationToken).ConfigureAwait(false);
                    if (OwnerOf(existing) is { } owner && !string.Equals(owner, user.Name, StringComparison.Ordinal))
                    {
                        LogAccountOfAnotherUser(_logger, name, account);
                        continue;
                    }

                    await _client.CoreV1.DeleteNamespacedServiceAccountAsync(account, name, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (KubernetesFailures.Is(ex, HttpStatusCode.NotFound))
                {
                    continue;
                }

                await EnsureServiceAccountAsync(name, account, user.Name, tier, cancellationToken).ConfigureAwait(false);

                // This replica forgets the old tokens' answers at once; others within the review cache duration.
                _reviewer?.Forget($"system:serviceaccount:{name}:{account}");
                LogAccountRecreated(_logger, name, account);
            }
        }
        catch (Exception ex) when (KubernetesFailures.IsUnavailable(ex, cancellationToken))
        {
            LogRevokeFailed(_logger, account, KubernetesFailures.Describe(ex));
            throw KubernetesFailures.Unavailable("recreate the user's service accounts", ex);
        }
    }

    private async Task EnsureNamespaceAsync(string ns, string tier, CancellationToken cancellationToken)
    {
        var body = new V1Namespace { Metadata = new V1ObjectMeta { Name = ns, Labels = MaasObjectLabels.For(_options.InstanceName, tier) } };
        try
        {
            await _client.CoreV1.CreateNamespaceAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
            LogNamespaceCreated(_logger, ns);
        }
        catch (Exception ex) when (KubernetesFailures.Is(ex, HttpStatusCode.Conflict))
        {
            // It exists (created by another replica, or by an operator): fine.
        }
    }

    private async Task EnsureServiceAccountAsync(string ns, string account, string user, string tier, CancellationToken cancellationToken)
    {
        var body = new V1ServiceAccount
        {
            Metadata = new V1ObjectMeta
            {
                Name = account,
                NamespaceProperty = ns,
                Labels = MaasObjectLabels.For(_options.InstanceName, tier),
                Annotations = new Dictionary<string, string>(StringComparer.Ordinal) { [MaasObjectLabels.User] = user },
            },
        };
        try
        {
            await _client.CoreV1.CreateNamespacedServiceAccountAsync(body, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            _owners[ns + "/" + account] = user;
        }
        catch (Exception ex) when (KubernetesFailures.Is(ex, HttpStatusCode.Conflict))
        {
            // Created concurrently (another request of the same user, another replica): fine if it is this user's.
            await EnsureOwnedAsync(ns, account, user, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Refuses an existing account whose annotation names another user (read once per account and
    /// process). An account without the annotation (made by hand, or by an older issuer) is accepted.
    /// </summary>
    private async Task EnsureOwnedAsync(string ns, string account, string user, CancellationToken cancellationToken)
    {
        var key = ns + "/" + account;
        if (_owners.TryGetValue(key, out var known) && string.Equals(known, user, StringComparison.Ordinal))
        {
            return;
        }

        V1ServiceAccount existing;
        try
        {
            existing = await _client.CoreV1.ReadNamespacedServiceAccountAsync(account, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (KubernetesFailures.Is(ex, HttpStatusCode.NotFound))
        {
            return; // Not there yet: it is created with this user's annotation.
        }

        if (OwnerOf(existing) is { } owner && !string.Equals(owner, user, StringComparison.Ordinal))
        {
            LogAccountOfAnotherUser(_logger, ns, account);
            throw new CredentialConflictException(
                $"The service account {ns}/{account} was made for another user, so Maas issues no token for it; an administrator must remove or rename it.");
        }

        if (_owners.Count >= MaxRememberedOwners)
        {
            _owners.Clear();
        }

        _owners[key] = user;
    }

    private static string? OwnerOf(V1ServiceAccount account) =>
        account.Metadata?.Annotations is { } annotations && annotations.TryGetValue(MaasObjectLabels.User, out var owner) ? owner : null;

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Created tier namespace {Namespace}")]
    private static partial void LogNamespaceCreated(ILogger logger, string @namespace);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Recreated service account {Namespace}/{Account}: its earlier tokens no longer validate")]
    private static partial void LogAccountRecreated(ILogger logger, string @namespace, string account);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Could not issue a service-account token for {Namespace}/{Account}: {Reason}")]
    private static partial void LogIssueFailed(ILogger logger, string @namespace, string account, string reason);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "The service account {Namespace}/{Account} is annotated for another user: no token issued and it is not recreated for this one; remove or rename it")]
    private static partial void LogAccountOfAnotherUser(ILogger logger, string @namespace, string account);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Could not recreate the service accounts named {Account}: {Reason}")]
    private static partial void LogRevokeFailed(ILogger logger, string account, string reason);
}
