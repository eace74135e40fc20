namespace Maas.Testing.Kubernetes;

/// <summary>The <c>tier-to-group-mapping</c> ConfigMap as <c>kubectl apply</c> takes it, its <c>tiers</c> key holding the given YAML.</summary>
public static class TierMappingManifest
{
    public static string For(string configMapNamespace, string tiers)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        return $"""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: tier-to-group-mapping
              namespace: {configMapNamespace}
            data:
              tiers: |
            {string.Join("\n", tiers.TrimEnd('\n').Split('\n').Select(l => "    " + l))}
            """;
    }
}
