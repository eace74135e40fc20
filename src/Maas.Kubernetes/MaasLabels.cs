namespace Maas.Kubernetes;

/// <summary>Names and labels Maas gives the Kubernetes objects it owns.</summary>
internal static class MaasLabels
{
    public const string ManagedBy = "app.kubernetes.io/managed-by";
}
