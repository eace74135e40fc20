using Maas.Tiers;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Maas.Kubernetes.Tiers;

/// <summary>
/// Reads the <c>tiers</c> key of the <c>tier-to-group-mapping</c> ConfigMap, the Go maas-api's format:
/// a YAML list of <c>{name, displayName, description, level, groups}</c>. Every tier also gets the
/// implicit group <c>system:serviceaccounts:&lt;instance&gt;-tier-&lt;tier&gt;</c>, so the service-account
/// tokens Maas issues resolve to the tier they were issued in. Limits are not in the ConfigMap (the
/// gateway's policies hold them in the original): a tier takes the limits of the configured tier of
/// the same name, or none. Unknown fields are ignored; anything else wrong throws
/// <see cref="FormatException"/> naming what.
/// </summary>
internal static class TierMappingYaml
{
    private static readonly IDeserializer Reader = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .Build();

    public static IReadOnlyList<Tier> Parse(string? yaml, MaasKubernetesOptions options, IEnumerable<Tier> configured)
    {
        if (string.IsNullOrWhiteSpace(yaml))
        {
            throw new FormatException("the 'tiers' key is missing or empty");
        }

        List<Entry>? entries;
        try
        {
            entries = Reader.Deserialize<List<Entry>?>(yaml);
        }
        catch (YamlException ex)
        {
            throw new FormatException($"the 'tiers' YAML is malformed at line {ex.Start.Line}, column {ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}", ex);
        }

        if (entries is null || entries.Count == 0)
        {
            throw new FormatException("the 'tiers' list is empty");
        }

        var limits = configured.GroupBy(t => t.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Limits, StringComparer.Ordinal);
        var tiers = new List<Tier>(entries.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i] ?? throw new FormatException($"tier #{i + 1} is empty");
            var name = entry.Name?.Trim() ?? "";
            if (name.Length == 0)
            {
                throw new FormatException($"tier #{i + 1} has no name");
            }

            var ns = options.TierNamespace(name);
            if (!DnsLabel.IsValid(ns))
            {
                throw new FormatException($"tier '{name}' cannot name a namespace ('{ns}' is not a DNS label of at most 63 characters)");
            }

            if (!names.Add(name))
            {
                throw new FormatException($"tier '{name}' is listed twice");
            }

            var groups = (entry.Groups ?? []).Where(g => !string.IsNullOrWhiteSpace(g)).Select(g => g!.Trim()).ToList();
            groups.Add($"system:serviceaccounts:{ns}");
            tiers.Add(new Tier
            {
                Name = name,
                DisplayName = entry.DisplayName,
                Description = entry.Description,
                Level = entry.Level,
                Groups = [.. groups.Distinct(StringComparer.Ordinal)],
                Limits = limits.TryGetValue(name, out var l) ? l : new TierLimits(),
            });
        }

        return tiers;
    }

    private sealed class Entry
    {
        public string? Name { get; set; }

        public string? DisplayName { get; set; }

        public string? Description { get; set; }

        public int Level { get; set; }

        public List<string?>? Groups { get; set; }
    }
}
