using k8s;
using k8s.Autorest;
using k8s.Exceptions;

namespace Maas.Api;

/// <summary>
/// Puts the host on a Kubernetes cluster when <c>--token-issuer=service-account</c>, <c>--token-review</c>,
/// <c>--tier-source=configmap</c> or <c>--model-source=kserve</c> asks for it: the pod's in-cluster configuration in a pod, else the
/// kubeconfig (<c>KUBECONFIG</c>, else <c>~/.kube/config</c>). A missing configuration or an API server
/// that cannot be reached stops start-up with one line naming it; a later outage degrades (the last good
/// tiers; 503 naming the API server for what needs it) and recovers by itself.
/// </summary>
internal static class MaasApiKubernetes
{
    public static void Configure(WebApplicationBuilder builder, MaasBuilder maas, HostSettings settings, Func<string, string?> environment)
    {
        if (!settings.UsesKubernetes)
        {
            return;
        }

        var configuration = LoadConfiguration(settings, environment);
        maas.UseKubernetes(
            o =>
            {
                o.InstanceName = settings.InstanceName;
                o.Namespace = settings.Namespace;
                o.GatewayName = settings.GatewayName;
                o.GatewayNamespace = settings.GatewayNamespace;
                foreach (var audience in settings.TokenReviewAudiences)
                {
                    o.TokenReviewAudiences.Add(audience);
                }
            },
            configuration);

        // Registered before the features' own hosted services (the ConfigMap watch lists at start), so an
        // unreachable or refusing API server is one line naming it, not a failure deep inside a feature.
        builder.Services.AddHostedService(services => new ApiServerCheck(
            services.GetRequiredService<IKubernetes>(), configuration.Host, settings.KubernetesSwitches, services.GetRequiredService<TimeProvider>()));

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
            // The LLMInferenceServices attached to --gateway-name in --gateway-namespace, watched.
            maas.UseKubernetesModels();
        }
    }

    private static KubernetesClientConfiguration LoadConfiguration(HostSettings settings, Func<string, string?> environment)
    {
        try
        {
            // In a pod when the kubelet said so (through the host's environment, which tests control) and the account token is mounted.
            return environment("KUBERNETES_SERVICE_HOST") is { Length: > 0 } && KubernetesClientConfiguration.IsInCluster()
                ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildConfigFromConfigFile(environment("KUBECONFIG") is { Length: > 0 } path ? path : null);
        }
        catch (Exception ex) when (ex is KubeConfigException or IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
        {
            throw new HostSettingsException($"{settings.KubernetesSwitches} needs a Kubernetes API server: not in a pod, and no usable kubeconfig (KUBECONFIG): {ex.Message.ReplaceLineEndings(" ")}");
        }
    }

    /// <summary>Asks the API server for its version once at start: a wrong address, certificate or token stops start-up.</summary>
    private sealed class ApiServerCheck(IKubernetes client, string host, string switches, TimeProvider time) : IHostedService
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            using var timeout = new CancellationTokenSource(Timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                await client.Version.GetCodeAsync(linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested
                && ex is HttpRequestException or HttpOperationException or OperationCanceledException or IOException or System.Security.Authentication.AuthenticationException)
            {
                var reason = ex is HttpOperationException { Response.StatusCode: var status } ? $"HTTP {(int)status} {status}" : ex.GetType().Name;
                throw new HostSettingsException($"{switches}: the Kubernetes API server {host} cannot be reached or refuses Maas ({reason})");
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
