using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Maas.Kubernetes.Watching;
using Maas.Models;

namespace Maas.Kubernetes.Models;

/// <summary>
/// Reads one <c>LLMInferenceService</c> as a catalog model, as the Go maas-api does: id from
/// <c>spec.model.name</c> (else the object's name), public URL from <c>status.url</c> (else
/// <c>status.address.url</c>, else the first of <c>status.addresses</c>), ready when the
/// <c>Ready</c> condition is <c>True</c> for the current generation, details and tiers from
/// annotations. The gateway's upstream is the in-cluster address KServe publishes
/// (<c>status.address.url</c>, else the first of <c>status.addresses</c>), never the public URL,
/// which leads back through the gateway.
/// </summary>
internal static class LlmInferenceServiceModel
{
    /// <summary>Returns the model, or <see langword="null"/> with <paramref name="problem"/> saying why the object cannot be one.</summary>
    public static ModelDescriptor? Read(CustomResource item, out string? problem)
    {
        var metadata = item.Metadata;
        var status = item.Status;
        var address = status.Field("address").Field("url").Text();
        var firstAddress = status.Field("addresses").Items().Select(a => a.Field("url").Text()).FirstOrDefault(u => !string.IsNullOrEmpty(u));
        var urlText = NonEmpty(status.Field("url").Text()) ?? NonEmpty(address) ?? firstAddress;
        if (urlText is null)
        {
            problem = "it has no URL in its status yet (status.url, status.address.url or status.addresses)";
            return null;
        }

        if (!HttpUrl(urlText, out var url))
        {
            problem = $"its status URL is not an absolute http(s) URL ({urlText})";
            return null;
        }

        var upstreamText = NonEmpty(address) ?? firstAddress;
        Uri? upstream = null;
        if (upstreamText is not null && !HttpUrl(upstreamText, out upstream))
        {
            problem = $"its in-cluster address is not an absolute http(s) URL ({upstreamText})";
            return null;
        }

        var annotations = metadata.Annotations ?? new Dictionary<string, string>();
        if (!ReadTiers(annotations, out var tiers, out problem))
        {
            return null;
        }

        var descriptor = new ModelDescriptor
        {
            Id = NonEmpty(item.Spec.Field("model").Field("name").Text()) ?? metadata.Name ?? "",
            OwnedBy = metadata.NamespaceProperty ?? "",
            Created = metadata.CreationTimestamp is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)).ToUnixTimeSeconds() : 0,
            Url = url,
            Upstream = upstream,
            Ready = IsReady(item),
            Details = Details(annotations),
            Tiers = tiers,
        };
        problem = null;
        return descriptor;
    }

    private static bool IsReady(CustomResource item)
    {
        if (item.Metadata.DeletionTimestamp is not null)
        {
            return false;
        }

        // A status written for an older spec says nothing about the current one.
        if (item.Status.Field("observedGeneration").Number() is { } observed && item.Metadata.Generation is { } generation && observed != generation)
        {
            return false;
        }

        return item.Status.Field("conditions").Items().Any(c => c.Field("type").Text() == "Ready" && c.Field("status").Text() == "True");
    }

    private static ModelDetails? Details(IDictionary<string, string> annotations)
    {
        var displayName = NonEmpty(Value(annotations, LlmInferenceServiceAnnotations.DisplayName));
        var description = NonEmpty(Value(annotations, LlmInferenceServiceAnnotations.Description));
        var useCase = NonEmpty(Value(annotations, LlmInferenceServiceAnnotations.GenAIUseCase));
        return displayName is null && description is null && useCase is null
            ? null
            : new ModelDetails { DisplayName = displayName, Description = description, GenAIUse = useCase };
    }

    private static bool ReadTiers(IDictionary<string, string> annotations, out List<string> tiers, out string? problem)
    {
        tiers = [];
        problem = null;
        if (!annotations.TryGetValue(LlmInferenceServiceAnnotations.Tiers, out var text) || string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                problem = $"the {LlmInferenceServiceAnnotations.Tiers} annotation is not a JSON list of tier names";
                return false;
            }

            foreach (var tier in document.RootElement.EnumerateArray())
            {
                if (tier.Text() is not { Length: > 0 } name)
                {
                    problem = $"the {LlmInferenceServiceAnnotations.Tiers} annotation holds something other than tier names";
                    return false;
                }

                tiers.Add(name);
            }

            return true;
        }
        catch (JsonException)
        {
            // The parser's message quotes the input; the annotation is not secret, but keep the line short.
            problem = $"the {LlmInferenceServiceAnnotations.Tiers} annotation is not valid JSON";
            return false;
        }
    }

    private static bool HttpUrl(string text, [NotNullWhen(true)] out Uri? url) =>
        Uri.TryCreate(text, UriKind.Absolute, out url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);

    /// <summary>The value of a label or annotation, or <see langword="null"/>.</summary>
    internal static string? Value(IDictionary<string, string>? values, string key) =>
        values is not null && values.TryGetValue(key, out var value) ? value : null;

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
