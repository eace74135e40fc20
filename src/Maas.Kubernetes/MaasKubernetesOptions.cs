using System.ComponentModel.DataAnnotations;

namespace Maas.Kubernetes;

/// <summary>
/// Where Maas finds its objects on the cluster and how it names the ones it creates; the names
/// follow the Go maas-api's <c>--name</c>, <c>--namespace</c>, <c>--gateway-name</c> and <c>--gateway-namespace</c>.
/// </summary>
public sealed class MaasKubernetesOptions
{
    /// <summary>
    /// Gets or sets the instance name: tier namespaces are <c>&lt;instance&gt;-tier-&lt;tier&gt;</c> and
    /// service-account tokens carry the audience <c>&lt;instance&gt;-sa</c>.
    /// </summary>
    /// <value>The default is <c>maas-api</c>.</value>
    [Required]
    [RegularExpression("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    [MaxLength(40)]
    public string InstanceName { get; set; } = "maas-api";

    /// <summary>Gets or sets the namespace Maas runs in, which holds the <c>tier-to-group-mapping</c> ConfigMap.</summary>
    /// <value>The default is <c>maas-api</c>.</value>
    [Required]
    public string Namespace { get; set; } = "maas-api";

    /// <summary>Gets or sets the name of the ConfigMap that maps tiers to groups.</summary>
    /// <value>The default is <c>tier-to-group-mapping</c>.</value>
    [Required]
    public string TierConfigMapName { get; set; } = "tier-to-group-mapping";

    /// <summary>Gets or sets the name of the gateway whose models are listed.</summary>
    /// <value>The default is <c>maas-default-gateway</c>.</value>
    [Required]
    public string GatewayName { get; set; } = "maas-default-gateway";

    /// <summary>Gets or sets the namespace of the gateway whose models are listed.</summary>
    /// <value>The default is <c>openshift-ingress</c>.</value>
    [Required]
    public string GatewayNamespace { get; set; } = "openshift-ingress";

    /// <summary>
    /// Gets the audiences a bearer must carry for TokenReview sign-in; empty means the API server's own
    /// (what <c>oc whoami -t</c> prints). Add <see cref="TokenAudience"/> to accept the tokens Maas issues.
    /// </summary>
    public IList<string> TokenReviewAudiences { get; init; } = [];

    /// <summary>Gets or sets how long a TokenReview answer is reused; never longer than the token lives.</summary>
    /// <value>The default is 10 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan TokenReviewCacheDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets the audience of the service-account tokens Maas issues: <c>&lt;instance&gt;-sa</c>.</summary>
    public string TokenAudience => InstanceName + "-sa";

    /// <summary>Gets the namespace that holds the service accounts of <paramref name="tier"/>: <c>&lt;instance&gt;-tier-&lt;tier&gt;</c>.</summary>
    public string TierNamespace(string tier) => $"{InstanceName}-tier-{tier}";
}
