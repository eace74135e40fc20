using System.Text.Json.Nodes;
using Maas.Testing;

namespace Maas.Api.Tests;

/// <summary>
/// Every package of <see cref="PackageConsumerTests.PackedProjects"/>, packed once for the class from
/// what the test build built (one <c>dotnet pack</c>), to a local feed under one test version: the fresh apps restore from it.
/// Both fresh apps are built from it once for the class too (<see cref="AppsAsync"/>), when a test first asks for one.
/// </summary>
public sealed class PackedPackages : IAsyncLifetime, IDisposable
{
    private readonly TemporaryDirectory _work = new();
    private readonly Lazy<Task<ConsumerAppBuild>> _apps;

    public PackedPackages() => _apps = new(() => ConsumerAppBuild.BuildAsync(_work.Combine("apps"), Feed, Version));

    public string Feed => _work.Combine("feed");

    public string Version { get; } = "0.1.0-test" + DateTimeOffset.UnixEpoch.Add(TimeProvider.System.GetUtcNow() - DateTimeOffset.UnixEpoch).ToUnixTimeSeconds();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Feed);

        // The projects are built by the test build already: pack what was built, in one dotnet pack of a
        // solution filter holding just them (one CLI start and one evaluation, not one per package).
        var filter = _work.Combine("packed.slnf");
        var solution = new JsonObject
        {
            ["path"] = Path.Combine(HostPaths.RepositoryRoot, "Maas.sln"),
            ["projects"] = new JsonArray([.. PackageConsumerTests.PackedProjects.Select(p => (JsonNode)Path.Combine("src", p, p + ".csproj"))]),
        };
        await File.WriteAllTextAsync(filter, new JsonObject { ["solution"] = solution }.ToJsonString());
        // One MSBuild process (-m:1): a second node's start costs more CPU than packing side by side saves (7.5 -> 5.4 CPU s).
        await DotnetCommand.RunAsync(HostPaths.RepositoryRoot, "pack", filter, "-c", PackageConsumerTests.Configuration, "--no-build", "-m:1", "-p:PackageOutputPath=" + Feed, "-p:PackageVersion=" + Version);
    }

    /// <summary>Both fresh apps, built from the feed in one <c>dotnet build</c> on the first call (a failed build fails every test that asks).</summary>
    internal Task<ConsumerAppBuild> AppsAsync() => _apps.Value;

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _work.Dispose();
}
