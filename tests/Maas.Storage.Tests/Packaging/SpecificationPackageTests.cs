using System.Diagnostics;
using System.Reflection;
using System.Xml.Linq;
using Maas.Storage.SpecificationTests;
using Maas.Testing;

namespace Maas.Storage.Tests.Packaging;

/// <summary>
/// A third party can check its own store against the packed specification: Maas.Core, Maas.Storage
/// and Maas.Storage.SpecificationTests are packed to a local feed, and a fresh xunit project that
/// references only those packages (no project reference) derives the suites for the in-memory store
/// and passes them under <c>dotnet test</c>.
/// </summary>
public sealed class SpecificationPackageTests
{
    private static readonly string[] Packed = ["Maas.Core", "Maas.Storage", "Maas.Storage.SpecificationTests"];

    private const string DerivedSuites = """
        using Maas.ApiKeys;
        using Maas.Auditing;
        using Maas.Storage.InMemory;
        using Maas.Storage.SpecificationTests;

        namespace ThirdParty.Store.Tests;

        public sealed class InMemoryKeyStoreSpecification : KeyStoreConformanceTests
        {
            protected override Task<IKeyStore> CreateStoreAsync() => Task.FromResult(InMemoryStorage.CreateKeyStore());
        }

        public sealed class InMemoryAuditLogSpecification : AuditLogConformanceTests
        {
            protected override Task<IAuditLog> CreateAuditLogAsync() => Task.FromResult((IAuditLog)InMemoryStorage.CreateKeyStore());
        }
        """;

    [Fact]
    public async Task The_in_memory_store_passes_the_specification_through_the_packed_package()
    {
        using var work = new TemporaryDirectory();
        var root = RepositoryCheckout.Root;
        var feed = Directory.CreateDirectory(work.Combine("feed")).FullName;
        var version = "0.1.0-spec" + TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        foreach (var package in Packed)
        {
            // The projects are built by the test build already: pack what was built.
            await DotnetCommand.RunAsync(root, "pack", Path.Combine("src", package, package + ".csproj"), "-c", RepositoryCheckout.Configuration, "--no-build", "-o", feed, "-p:PackageVersion=" + version);
            Assert.True(File.Exists(Path.Combine(feed, $"{package}.{version}.nupkg")), package + ": not packed");
        }

        var project = Directory.CreateDirectory(work.Combine("ThirdParty.Store.Tests")).FullName;
        var versions = XDocument.Load(Path.Combine(root, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!, StringComparer.Ordinal);

        // Only packages: the three from the local feed, and the test platform any xunit project needs.
        await File.WriteAllTextAsync(Path.Combine(project, "ThirdParty.Store.Tests.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <IsPackable>false</IsPackable>
                <RestorePackagesPath>{work.Combine("packages")}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Maas.Core" Version="{version}" />
                <PackageReference Include="Maas.Storage" Version="{version}" />
                <PackageReference Include="Maas.Storage.SpecificationTests" Version="{version}" />
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="{versions["Microsoft.NET.Test.Sdk"]}" />
                <PackageReference Include="xunit.runner.visualstudio" Version="{versions["xunit.runner.visualstudio"]}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(project, "InMemoryStoreSpecification.cs"), DerivedSuites);

        await DotnetCommand.UseLocalFeedAsync(project, feed, work.Path);

        await DotnetCommand.RunAsync(project, "test", "-c", "Release", "--logger", "trx;LogFileName=results.trx", "--results-directory", work.Combine("results"));

        var counters = XDocument.Load(work.Combine("results", "results.trx")).Descendants().Single(e => e.Name.LocalName == "Counters");
        var total = (int)counters.Attribute("total")!;
        Assert.Equal(total, (int)counters.Attribute("passed")!);
        Assert.Equal(0, (int)counters.Attribute("failed")!);

        // Every case of the two suites ran: a fact once, a theory once per data row.
        Assert.Equal(Cases(typeof(KeyStoreConformanceTests)) + Cases(typeof(AuditLogConformanceTests)), total);
        Assert.True(total >= 90, $"{total} tests ran");
    }

    private static int Cases(Type suite) =>
        suite.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any())
            .Sum(m => m.GetCustomAttribute<TheoryAttribute>() is null ? 1 : m.GetCustomAttributes<Xunit.Sdk.DataAttribute>().Sum(data => data.GetData(m).Count()));
}
