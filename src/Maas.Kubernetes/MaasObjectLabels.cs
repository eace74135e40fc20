namespace Maas.Kubernetes;

/// <summary>The labels and annotations on the objects Maas creates, the Go maas-api's, so either finds the other's.</summary>
internal static class MaasObjectLabels
{
    public const string Component = "app.kubernetes.io/component";
    public const string PartOf = "app.kubernetes.io/part-of";
    public const string Instance = "maas.opendatahub.io/instance";
    public const string Tier = "maas.opendatahub.io/tier";

    /// <summary>The annotation naming the user a service account was created for: an account annotated for another user is never used nor recreated for this one.</summary>
    public const string User = "maas.opendatahub.io/user";

    public static Dictionary<string, string> For(string instance, string tier) => new(StringComparer.Ordinal)
    {
        [Component] = "token-issuer",
        [PartOf] = "maas-api",
        [Instance] = instance,
        [Tier] = tier,
    };

    /// <summary>The label selector for the tier namespaces of an instance.</summary>
    public static string TierNamespaceSelector(string instance) => $"{Component}=token-issuer,{Instance}={instance}";
}
