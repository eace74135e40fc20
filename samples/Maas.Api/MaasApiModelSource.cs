using Maas.Kubernetes;

namespace Maas.Api;

/// <summary>
/// Where <c>GET /v1/models</c> and the gateway take their models from (<c>--model-source</c> /
/// <c>MODEL_SOURCE</c>): <c>configuration</c> (<c>Maas:Models</c>, the default) or <c>kserve</c>,
/// the LLMInferenceServices attached to <c>--gateway-name</c> in <c>--gateway-namespace</c>, watched
/// on the cluster (in-cluster configuration in a pod, the kubeconfig otherwise).
/// </summary>
internal static class MaasApiModelSource
{
    public static void Configure(MaasBuilder maas, HostSettings settings)
    {
        if (settings.ModelSource != "kserve")
        {
            return;
        }

        maas.UseKubernetes(options => Configure(options, settings)).UseKubernetesModels();
    }

    private static void Configure(MaasKubernetesOptions options, HostSettings settings)
    {
        options.InstanceName = settings.InstanceName;
        options.Namespace = settings.Namespace;
        options.GatewayName = settings.GatewayName;
        options.GatewayNamespace = settings.GatewayNamespace;
    }
}
