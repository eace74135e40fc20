using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Models;
using Maas.Kubernetes.Tokens;
using Maas.Users;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Maas.Kubernetes.Authentication;

/// <summary>
/// Asks the API server who a bearer token belongs to (TokenReview, with the configured audiences),
/// accepts the answer only when its <c>status.audiences</c> are among the ones asked for, and reuses each answer for <see cref="MaasKubernetesOptions.TokenReviewCacheDuration"/>, never past the
/// token's own <c>exp</c>. This is what the TokenReview authentication scheme calls; it also validates
/// the service-account tokens <see cref="ServiceAccountTokenIssuer"/> issues (audience <c>&lt;instance&gt;-sa</c>),
/// which stop validating as soon as revoke-all recreates the account. The cache is keyed by the
/// token's SHA-256, never the token. Registered by <c>UseKubernetes</c>; public so that the TokenReview
/// scheme (<c>Maas.Kubernetes.AspNetCore</c>) or a host's own sign-in can ask it.
/// </summary>
public sealed partial class KubernetesTokenReviewer
{
    private const int MaxCachedAnswers = 10_000;

    private readonly IKubernetes _client;
    private readonly MaasKubernetesOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, (MaasUser? User, DateTimeOffset Until)> _answers = new(StringComparer.Ordinal);

    /// <summary>Initializes a new instance of the <see cref="KubernetesTokenReviewer"/> class.</summary>
    /// <param name="client">The API client.</param>
    /// <param name="options">The audiences and the cache duration.</param>
    /// <param name="time">The clock of the cache.</param>
    /// <param name="logger">Where failed reviews are logged (never the token).</param>
    public KubernetesTokenReviewer(IKubernetes client, IOptions<MaasKubernetesOptions> options, TimeProvider time, ILogger<KubernetesTokenReviewer> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Returns the token's user and groups when the cluster authenticates it for <see cref="MaasKubernetesOptions.TokenReviewAudiences"/>,
    /// or <see langword="null"/>; throws <see cref="ApiKeys.StoreUnavailableException"/> when the API server cannot review.
    /// </summary>
    /// <param name="token">The bearer token.</param>
    /// <param name="cancellationToken">Cancels the review.</param>
    /// <returns>The user, or <see langword="null"/>.</returns>
    public ValueTask<MaasUser?> ReviewAsync(string token, CancellationToken cancellationToken = default) =>
        ReviewForAudiencesAsync(token, [.. _options.TokenReviewAudiences], cancellationToken);

    /// <summary>
    /// Returns the token's user and groups when the cluster authenticates it for one of
    /// <paramref name="audiences"/> (empty: the API server's own), or <see langword="null"/>; throws
    /// <see cref="ApiKeys.StoreUnavailableException"/> when the API server cannot review.
    /// </summary>
    /// <param name="token">The bearer token.</param>
    /// <param name="audiences">The audiences the token must be for.</param>
    /// <param name="cancellationToken">Cancels the review.</param>
    /// <returns>The user, or <see langword="null"/>.</returns>
    public async ValueTask<MaasUser?> ReviewForAudiencesAsync(string token, IReadOnlyList<string> audiences, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentNullException.ThrowIfNull(audiences);
        var key = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token))) + "|" + string.Join(',', audiences);
        var now = _time.GetUtcNow();
        if (_answers.TryGetValue(key, out var cached) && cached.Until > now)
        {
            return cached.User;
        }

        var review = new V1TokenReview
        {
            Spec = new V1TokenReviewSpec { Token = token, Audiences = audiences.Count == 0 ? null : [.. audiences] },
        };
        V1TokenReview answer;
        try
        {
            answer = await _client.AuthenticationV1.CreateTokenReviewAsync(review, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (KubernetesFailures.IsUnavailable(ex, cancellationToken))
        {
            LogReviewFailed(_logger, KubernetesFailures.Describe(ex));
            throw KubernetesFailures.Unavailable("review a bearer token", ex);
        }

        MaasUser? user = answer.Status is { Authenticated: true, User.Username: { Length: > 0 } name } status
            && IsForRequestedAudiences(status.Audiences, audiences)
            ? new MaasUser(name, status.User.Groups is { } groups ? [.. groups] : [])
            : null;
        var until = now + _options.TokenReviewCacheDuration;
        if (ExpiresAt(token) is { } expires && expires < until)
        {
            until = expires;
        }

        if (_answers.Count >= MaxCachedAnswers)
        {
            _answers.Clear();
        }

        _answers[key] = (user, until);
        return user;
    }

    /// <summary>
    /// Drops the cached answers for <paramref name="userName"/> (a service account just recreated by
    /// revoke-all), so its earlier tokens stop validating on this replica at once rather than when
    /// their answers expire. Other replicas keep theirs for at most the cache duration.
    /// </summary>
    internal void Forget(string userName)
    {
        foreach (var (key, answer) in _answers)
        {
            if (answer.User is { } user && string.Equals(user.Name, userName, StringComparison.Ordinal))
            {
                _answers.TryRemove(key, out _);
            }
        }
    }

    /// <summary>
    /// Whether the review's <c>status.audiences</c> says the token is for what was asked. Kubernetes
    /// leaves this check to the client: when <c>spec.audiences</c> was set, the answer must name at
    /// least one audience and only ones that were asked for (they are the intersection of the asked
    /// and the token's). An empty answer means the token is valid for the API server's own audience,
    /// which was not asked for (an authenticator that ignores audiences answers that way), so it is
    /// refused. Asking for no audience means the API server's own; then any answer is it.
    /// </summary>
    internal static bool IsForRequestedAudiences(IList<string>? answered, IReadOnlyList<string> requested)
    {
        if (requested.Count == 0)
        {
            return true;
        }

        if (answered is null || answered.Count == 0)
        {
            return false;
        }

        foreach (var audience in answered)
        {
            if (!requested.Contains(audience, StringComparer.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static DateTimeOffset? ExpiresAt(string token)
    {
        try
        {
            return ServiceAccountTokenClaims.Read(token).ExpiresAt;
        }
        catch (FormatException)
        {
            return null; // Not a JWT (an opaque OpenShift token): the configured duration applies.
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "TokenReview failed: {Reason}")]
    private static partial void LogReviewFailed(ILogger logger, string reason);
}
