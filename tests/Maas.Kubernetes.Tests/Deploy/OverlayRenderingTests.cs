using Maas.Testing;
using Maas.Testing.Kubernetes;
using YamlDotNet.RepresentationModel;

namespace Maas.Kubernetes.Tests.Deploy;

/// <summary>Every kustomize overlay under <c>deploy/overlays</c> renders with <c>kubectl kustomize</c> and configures what it says it does.</summary>
public sealed class OverlayRenderingTests
{
    [Fact]
    public void Every_overlay_directory_is_covered_here()
    {
        var overlays = Directory.GetDirectories(Path.Combine(RepositoryCheckout.Root, "deploy", "overlays")).Select(Path.GetFileName).Order(StringComparer.Ordinal);

        Assert.Equal(["dev", "disk", "external", "kubernetes"], overlays);
    }

    [Theory]
    [InlineData("dev", new[] { "--storage=in-memory", "--debug" }, new[] { "ASPNETCORE_ENVIRONMENT" })]
    [InlineData("disk", new[] { "--storage=disk", "--data-path=/data/maas-api.db" }, new string[0])]
    [InlineData("external", new[] { "--storage=external" }, new[] { "DB_CONNECTION_URL" })]
    [InlineData("kubernetes", new[] { "--storage=in-memory", "--token-issuer=service-account", "--token-review", "--tier-source=configmap", "--model-source=kserve" }, new string[0])]
    public async Task The_overlay_renders_with_its_flags_and_settings_and_keeps_the_network_policy(string overlay, string[] args, string[] env)
    {
        var documents = await RenderAsync(overlay);

        var deployment = Single(documents, "Deployment");
        var container = (YamlMappingNode)((YamlSequenceNode)deployment.Path("spec", "template", "spec", "containers")).Children[0];
        var rendered = ((YamlSequenceNode)container.Children[new YamlScalarNode("args")]).Children.Select(a => ((YamlScalarNode)a).Value).ToList();
        foreach (var arg in args)
        {
            Assert.Contains(arg, rendered);
        }

        Assert.Single(rendered, a => a!.StartsWith("--storage=", StringComparison.Ordinal));
        var names = ((YamlSequenceNode)container.Children[new YamlScalarNode("env")]).Children.Select(e => ((YamlScalarNode)((YamlMappingNode)e).Children[new YamlScalarNode("name")]).Value).ToList();
        foreach (var name in env)
        {
            Assert.Contains(name, names);
        }

        var policy = documents.Single(d => Kind(d) == "NetworkPolicy" && Name(d) == "maas-api");
        Assert.Equal("maas-api", ((YamlScalarNode)policy.Path("metadata", "namespace")).Value);
        Assert.All(documents.Where(d => Kind(d) is not ("Namespace" or "ClusterRole" or "ClusterRoleBinding")), d => Assert.Equal("maas-api", ((YamlScalarNode)d.Path("metadata", "namespace")).Value));
    }

    [Fact]
    public async Task The_disk_overlay_mounts_its_claim_at_the_data_path_and_runs_one_replica_at_a_time()
    {
        var documents = await RenderAsync("disk");

        var claim = Single(documents, "PersistentVolumeClaim");
        var deployment = Single(documents, "Deployment");
        Assert.Equal("1", ((YamlScalarNode)deployment.Path("spec", "replicas")).Value);
        Assert.Equal("Recreate", ((YamlScalarNode)deployment.Path("spec", "strategy", "type")).Value);
        var volume = (YamlMappingNode)((YamlSequenceNode)deployment.Path("spec", "template", "spec", "volumes")).Children.Single();
        Assert.Equal(Name(claim), ((YamlScalarNode)volume.Path("persistentVolumeClaim", "claimName")).Value);
        Assert.Contains("mountPath: /data", Serialize(deployment), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_external_overlay_reads_the_connection_url_from_a_secret_it_does_not_contain()
    {
        var documents = await RenderAsync("external");

        Assert.DoesNotContain(documents, d => Kind(d) == "Secret");
        var text = Serialize(Single(documents, "Deployment"));
        Assert.Contains("name: maas-api-db", text, StringComparison.Ordinal);
        Assert.DoesNotContain("postgresql://", text, StringComparison.Ordinal);
    }

    private static async Task<List<YamlMappingNode>> RenderAsync(string overlay)
    {
        var rendered = await new Kubectl("/dev/null").RunCheckedAsync(["kustomize", Path.Combine(RepositoryCheckout.Root, "deploy", "overlays", overlay)]);
        var stream = new YamlStream();
        stream.Load(new StringReader(rendered));
        return [.. stream.Documents.Select(d => (YamlMappingNode)d.RootNode)];
    }

    private static YamlMappingNode Single(List<YamlMappingNode> documents, string kind) => documents.Single(d => Kind(d) == kind);

    private static string? Kind(YamlMappingNode document) => ((YamlScalarNode)document.Children[new YamlScalarNode("kind")]).Value;

    private static string? Name(YamlMappingNode document) => ((YamlScalarNode)document.Path("metadata", "name")).Value;

    private static string Serialize(YamlMappingNode node)
    {
        using var writer = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }
}
