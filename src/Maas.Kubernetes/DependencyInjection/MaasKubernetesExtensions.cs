using k8s;
using Maas;
using Maas.Kubernetes;
using Maas.Kubernetes.Authentication;
using Maas.Kubernetes.Models;
using Maas.Kubernetes.Tiers;
using Maas.Kubernetes.Tokens;
using Maas.Models;
using Maas.Tiers;
using Maas.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Puts Maas on a Kubernetes cluster: one shared API client, then each feature switched on by its own call.</summary>
public static class MaasKubernetesExtensions
{
    /// <summary>
    /// Registers the Kubernetes API client (from <paramref name="client"/>, else the pod's in-cluster
    /// configuration when running in a pod, else the kubeconfig: <c>KUBECONFIG</c>, else <c>~/.kube/config</c>), <see cref="MaasKubernetesOptions"/>,
    /// validated at start, and the <see cref="KubernetesTokenReviewer"/>. Switches nothing on by itself; idempotent.
    /// The TokenReview sign-in scheme is in <c>Maas.Kubernetes.AspNetCore</c> (<c>UseKubernetesTokenReview</c>).
    /// </summary>
    public static MaasBuilder UseKubernetes(this MaasBuilder builder, Action<MaasKubernetesOptions>? configure = null, KubernetesClientConfiguration? client = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<MaasKubernetesOptions>().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MaasKubernetesOptions>, MaasKubernetesOptionsAnnotations>());
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // One client for the process (the KubernetesClient guidance: never one per request).
        builder.Services.TryAddSingleton<IKubernetes>(_ => new k8s.Kubernetes(client ?? (KubernetesClientConfiguration.IsInCluster()
            ? KubernetesClientConfiguration.InClusterConfig()
            : KubernetesClientConfiguration.BuildDefaultConfig())));
        builder.Services.TryAddSingleton<KubernetesTokenReviewer>();
        return builder;
    }

    /// <summary>
    /// Issues ephemeral tokens as Kubernetes service-account tokens (TokenRequest, audience
    /// <c>&lt;instance&gt;-sa</c>) instead of the built-in ES256 issuer, and makes revoke-all recreate
    /// the user's service accounts. Call <see cref="UseKubernetes"/> too.
    /// </summary>
    public static MaasBuilder UseKubernetesServiceAccountTokens(this MaasBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<ITokenIssuer, ServiceAccountTokenIssuer>());
        return builder;
    }

    /// <summary>
    /// Takes the tiers from the <c>tier-to-group-mapping</c> ConfigMap, watched so that edits apply
    /// without a restart. Start-up fails when the API server cannot be read. Call <see cref="UseKubernetes"/> too.
    /// </summary>
    public static MaasBuilder UseKubernetesTiers(this MaasBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<ConfigMapTierSource>();
        builder.Services.Replace(ServiceDescriptor.Singleton<ITierResolver>(sp => sp.GetRequiredService<ConfigMapTierSource>()));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ConfigMapTierSource>(sp => sp.GetRequiredService<ConfigMapTierSource>()));
        return builder;
    }

    /// <summary>
    /// Takes the models from KServe <c>LLMInferenceService</c> objects attached to the configured
    /// gateway (<see cref="MaasKubernetesOptions.GatewayName"/> in <see cref="MaasKubernetesOptions.GatewayNamespace"/>),
    /// directly or through their HTTPRoutes, in every namespace; watched, so models applied, edited
    /// or deleted show in <c>GET /v1/models</c> and the gateway's routes without a restart. Start-up
    /// fails when the API server cannot be read. Call <see cref="UseKubernetes"/> too.
    /// </summary>
    public static MaasBuilder UseKubernetesModels(this MaasBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<LLMInferenceServiceCatalog>();
        builder.Services.Replace(ServiceDescriptor.Singleton<IModelCatalog>(sp => sp.GetRequiredService<LLMInferenceServiceCatalog>()));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, LLMInferenceServiceCatalog>(sp => sp.GetRequiredService<LLMInferenceServiceCatalog>()));
        return builder;
    }
}
