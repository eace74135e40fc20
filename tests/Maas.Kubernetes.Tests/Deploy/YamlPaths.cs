using YamlDotNet.RepresentationModel;

namespace Maas.Kubernetes.Tests.Deploy;

/// <summary>Walks a YAML mapping by keys.</summary>
internal static class YamlPaths
{
    public static YamlNode Path(this YamlMappingNode node, params string[] keys)
    {
        YamlNode current = node;
        foreach (var key in keys)
        {
            current = ((YamlMappingNode)current).Children[new YamlScalarNode(key)];
        }

        return current;
    }
}
