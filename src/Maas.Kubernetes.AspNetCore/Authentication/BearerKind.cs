namespace Maas.Kubernetes.Authentication;

/// <summary>What a bearer credential is, told from its shape alone (nothing is verified here).</summary>
internal enum BearerKind
{
    /// <summary>A Maas API key (<c>sk-maas-</c>) or a token Maas's own ES256 issuer signed: the <c>MaasBearer</c> scheme's, never sent to the cluster.</summary>
    Maas,

    /// <summary>A service-account token Maas issued (audience <c>&lt;instance&gt;-sa</c>): reviewed with that audience, a Maas credential that cannot mint.</summary>
    MaasServiceAccount,

    /// <summary>Any other bearer: the caller's own cluster identity (<c>oc whoami -t</c>, a service-account token), reviewed with the configured audiences.</summary>
    Cluster,
}
