using Maas.Hosting.CommandLine;

namespace Maas.Api;

/// <summary>The switches that put the host on a Kubernetes cluster; any of them turns on the API client.</summary>
internal sealed partial class HostSettings
{
    /// <summary>Gets the token issuer: <c>built-in</c> (ES256, the default) or <c>service-account</c> (TokenRequest).</summary>
    public string TokenIssuer { get; private set; } = "built-in";

    /// <summary>Gets a value indicating whether callers may sign in with a cluster bearer token (TokenReview).</summary>
    public bool TokenReview { get; private set; }

    /// <summary>Gets the audiences a cluster bearer must carry; empty means the API server's own.</summary>
    public IReadOnlyList<string> TokenReviewAudiences { get; private set; } = [];

    /// <summary>Gets where the tiers come from: <c>configuration</c> (<c>Maas:Tiers</c>, the default) or <c>configmap</c>.</summary>
    public string TierSource { get; private set; } = "configuration";

    /// <summary>Gets a value indicating whether a switch needs the Kubernetes API server.</summary>
    public bool UsesKubernetes => TokenIssuer == "service-account" || TokenReview || TierSource == "configmap" || ModelSource == "kserve";

    /// <summary>Gets the switches that need the API server, as flags, for the start-up error that names them.</summary>
    public string KubernetesSwitches => string.Join(' ', new[]
    {
        TokenIssuer == "service-account" ? "--token-issuer=service-account" : null,
        TokenReview ? "--token-review" : null,
        TierSource == "configmap" ? "--tier-source=configmap" : null,
        ModelSource == "kserve" ? "--model-source=kserve" : null,
    }.Where(s => s is not null));

    /// <summary>Reads <c>--token-review-audiences</c>, which means nothing without <c>--token-review</c> (read before it).</summary>
    private string[] ParseTokenReviewAudiences(GoFlagValue audiences)
    {
        var list = audiences.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (list.Length == 0 && audiences.Value.Trim().Length > 0)
        {
            throw new HostSettingsException($"invalid value \"{audiences.Value}\" for {audiences.Source}: expected a comma-separated list of audiences");
        }

        return TokenReview ? list : throw new HostSettingsException($"{audiences.Source} needs --token-review (or TOKEN_REVIEW=true)");
    }
}
