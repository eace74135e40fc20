using System.Text.Json.Nodes;

namespace Maas.Testing.Kubernetes;

/// <summary>
/// RFC 7386 JSON merge patch. The fake API server also applies kubectl's strategic merge patches
/// with it: for the objects it serves (config maps, service accounts, namespaces: maps, no merge
/// lists) the two agree, and the strategic directives (<c>$patch</c>, <c>$retainKeys</c>,
/// <c>$setElementOrder</c>) are dropped.
/// </summary>
internal static class JsonMergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : [];
        foreach (var (name, value) in patchObject)
        {
            if (name.StartsWith('$'))
            {
                continue;
            }

            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                result[name] = Apply(result[name], value);
            }
        }

        return result;
    }
}
