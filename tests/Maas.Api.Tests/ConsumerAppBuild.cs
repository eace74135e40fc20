using Maas.Testing;

namespace Maas.Api.Tests;

/// <summary>
/// The two fresh apps of <see cref="PackageConsumerTests"/> (PackageConsumer/ and PackageConsumer/SelfService/, no project
/// reference) written to a folder and built from the packed packages only, in one <c>dotnet build</c> of a solution
/// holding both: one CLI start, one restore into one packages folder and one MSBuild run, not one of each per app.
/// </summary>
internal sealed class ConsumerAppBuild
{
    private ConsumerAppBuild(string gateway, string selfService)
    {
        Gateway = gateway;
        SelfService = selfService;
    }

    /// <summary>The output folder of the app in README that issues tokens and keys and calls a model through the gateway.</summary>
    public string Gateway { get; }

    /// <summary>The output folder of the app that serves the self-service page behind its own cookie sign-in.</summary>
    public string SelfService { get; }

    /// <summary>Writes both apps into <paramref name="work"/>, makes them restore from <paramref name="feed"/>, builds them and returns their output folders.</summary>
    public static async Task<ConsumerAppBuild> BuildAsync(string work, string feed, string version)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "PackageConsumer");
        var gateway = await WriteAppAsync(Path.Combine(work, "gateway"), source, "PackageConsumer.csproj.txt", version);
        var selfService = await WriteAppAsync(Path.Combine(work, "self-service"), Path.Combine(source, "SelfService"), "SelfServiceConsumer.csproj.txt", version);
        // An XML solution (.slnx) holding both projects, each in a solution folder of its own (both are named App).
        var solution = Path.Combine(work, "apps.slnx");
        await File.WriteAllTextAsync(solution, """
            <Solution>
              <Folder Name="/gateway/"><Project Path="gateway/App.csproj" /></Folder>
              <Folder Name="/self-service/"><Project Path="self-service/App.csproj" /></Folder>
            </Solution>
            """);
        await DotnetCommand.UseLocalFeedAsync(work, feed, work);
        // One MSBuild process (-m:1): a second node's start costs more CPU than building the two apps side by side saves.
        await DotnetCommand.RunAsync(work, "build", solution, "-c", "Release", "-m:1", "--packages", Path.Combine(work, "packages"));
        return new ConsumerAppBuild(Output(gateway), Output(selfService));
    }

    private static async Task<string> WriteAppAsync(string app, string source, string project, string version)
    {
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), await File.ReadAllTextAsync(Path.Combine(source, "Program.cs")));
        await File.WriteAllTextAsync(Path.Combine(app, "App.csproj"), (await File.ReadAllTextAsync(Path.Combine(source, project))).Replace("$(MaasVersion)", version, StringComparison.Ordinal));
        return app;
    }

    private static string Output(string app) => Path.Combine(app, "bin", "Release", "net10.0");
}
