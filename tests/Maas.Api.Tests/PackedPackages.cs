using Maas.Testing;

namespace Maas.Api.Tests;

/// <summary>
/// Every package of <see cref="PackageConsumerTests.PackedProjects"/>, packed once for the class from
/// what the test build built, to a local feed under one test version: the fresh apps restore from it.
/// </summary>
public sealed class PackedPackages : IAsyncLifetime, IDisposable
{
    private readonly TemporaryDirectory _work = new();

    public string Feed => _work.Combine("feed");

    public string Version { get; } = "0.1.0-test" + DateTimeOffset.UnixEpoch.Add(TimeProvider.System.GetUtcNow() - DateTimeOffset.UnixEpoch).ToUnixTimeSeconds();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        foreach (var package in PackageConsumerTests.PackedProjects)
        {
            // The projects are built by the test build already: pack what was built.
            await DotnetCommand.RunAsync(HostPaths.RepositoryRoot, "pack", Path.Combine("src", package, package + ".csproj"), "-c", PackageConsumerTests.Configuration, "--no-build", "-o", Feed, "-p:PackageVersion=" + Version);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _work.Dispose();
}
