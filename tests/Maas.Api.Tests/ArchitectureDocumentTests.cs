using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Maas.Api.Tests;

/// <summary>
/// <c>docs/architecture.md</c> is the map a newcomer reads first: its package table must name every package
/// <c>dotnet pack</c> gives with exactly the Maas packages each one references, and the arrows it promises
/// (no shipped package sees another's internals, <c>Maas.Kubernetes</c> and <c>Maas.Core</c> without ASP.NET Core)
/// must hold in the project files.
/// </summary>
public sealed partial class ArchitectureDocumentTests
{
    private static readonly string s_source = Path.Combine(HostPaths.RepositoryRoot, "src");

    [Fact]
    public void Package_table_names_every_package_and_exactly_its_references()
    {
        var document = File.ReadAllText(Path.Combine(HostPaths.RepositoryRoot, "docs", "architecture.md"));
        var rows = PackageRow().Matches(document).ToDictionary(
            m => m.Groups[1].Value,
            m => PackageName().Matches(m.Groups[2].Value).Select(n => n.Groups[1].Value).Order(StringComparer.Ordinal).ToArray(),
            StringComparer.Ordinal);

        Assert.Equal(PackageConsumerTests.PackedProjects.Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        foreach (var (package, documented) in rows)
        {
            Assert.True(documented.SequenceEqual(MaasReferences(package)), $"{package}: the map says [{string.Join(", ", documented)}], the project references [{string.Join(", ", MaasReferences(package))}]");
        }
    }

    [Fact]
    public void No_shipped_package_lets_another_shipped_package_or_the_sample_see_its_internals()
    {
        var shipped = PackageConsumerTests.PackedProjects.Append("maas-api").ToHashSet(StringComparer.Ordinal);
        foreach (var package in PackageConsumerTests.PackedProjects)
        {
            var friends = Project(package).Descendants("InternalsVisibleTo").Select(e => (string?)e.Attribute("Include")).ToArray();
            Assert.DoesNotContain(friends, f => f is not null && shipped.Contains(f));
        }
    }

    [Theory]
    [InlineData("Maas.Core")]
    [InlineData("Maas.Kubernetes")]
    [InlineData("Maas.Storage")]
    public void Packages_below_hosting_do_not_take_asp_net_core(string package)
    {
        var project = Project(package);
        Assert.DoesNotContain(project.Descendants("FrameworkReference"), e => (string?)e.Attribute("Include") == "Microsoft.AspNetCore.App");
        Assert.DoesNotContain(MaasReferences(package), r => r.EndsWith(".AspNetCore", StringComparison.Ordinal) || r == "Maas.Gateway" || r == "Maas.SelfService");
    }

    private static XDocument Project(string package) => XDocument.Load(Path.Combine(s_source, package, package + ".csproj"));

    private static string[] MaasReferences(string package) =>
        Project(package).Descendants("ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension(((string?)e.Attribute("Include") ?? string.Empty).Replace('\\', '/')))
            .Where(n => n.StartsWith("Maas.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();

    // A row of the package table: | `Maas.X` | `Maas.Y`, `Maas.Z`, other things | what it holds |
    [GeneratedRegex(@"^\| `(Maas\.[A-Za-z.]+)` \| ([^|]*) \|", RegexOptions.Multiline)]
    private static partial Regex PackageRow();

    [GeneratedRegex(@"`(Maas\.[A-Za-z.]+)`")]
    private static partial Regex PackageName();
}
