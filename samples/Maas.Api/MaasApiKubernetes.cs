using k8s;
using Maas.Kubernetes;

namespace Maas.Api;

/// <summary>
/// Puts the host on a Kubernetes cluster when <c>--token-issuer=service-account</c>, <c>--token-review</c>,
/// <c>--tier-source=configmap</c> or <c>--model-source=kserve</c> asks for it, through the packages'
/// <see cref="KubernetesApiServer"/> (in a pod or from the kubeconfig; checked once at start) and
/// <c>UseKubernetes*</c> calls; their failures become the one start-up line naming the switches.
/// </summary>
internal static class MaasApiKubernetes
{
    public static void Configure(WebApplicationBuilder builder, MaasBuilder maas, HostSettings settings, Func<string, string?> environment)
    {
        if (!settings.UsesKubernetes)
        {
            return;
        }

        KubernetesClientConfiguration configuration;
        try
        {
            configuration = KubernetesApiServer.LoadConfiguration(environment);
        }
        catch (KubernetesApiServerException ex)
        {
            throw new HostSettingsException($"{settings.KubernetesSwitches} needs a Kubernetes API server: {ex.Message}");
        }

        maas.UseKubernetes(
            o =>
            {
                (o.InstanceName, o.Namespace, o.GatewayName, o.GatewayNamespace) = (settings.InstanceName, settings.Namespace, settings.GatewayName, settings.GatewayNamespace);
                foreach (var audience in settings.TokenReviewAudiences)
                {
                    o.TokenReviewAudiences.Add(audience);
                }
            },
            configuration);

        // Registered before the features' own hosted services (the ConfigMap watch lists at start).
        builder.Services.AddHostedService(services => new ApiServerCheck(services, settings.KubernetesSwitches));
        if (settings.TokenIssuer == "service-account")
        {
            maas.UseKubernetesServiceAccountTokens();
        }

        if (settings.TokenReview)
        {
            maas.UseKubernetesTokenReview();
        }

        if (settings.TierSource == "configmap")
        {
            maas.UseKubernetesTiers();
        }

        if (settings.ModelSource == "kserve")
        {
            maas.UseKubernetesModels(); // The LLMInferenceServices attached to --gateway-name in --gateway-namespace, watched.
        }
    }

    private sealed class ApiServerCheck(IServiceProvider services, string switches) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            try
            {
                await KubernetesApiServer.CheckAsync(services.GetRequiredService<IKubernetes>(), services.GetRequiredService<TimeProvider>(), cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiServerException ex)
            {
                throw new HostSettingsException($"{switches}: {ex.Message}");
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
