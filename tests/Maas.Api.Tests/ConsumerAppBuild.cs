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
        var solution = Path.Combine(work, "apps.sln");
        await File.WriteAllTextAsync(solution, Solution(("Gateway", "gateway"), ("SelfService", "self-service")));
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

    /// <summary>A solution of the apps (name and folder, each holding App.csproj) that builds them all in Release.</summary>
    private static string Solution(params (string Name, string Folder)[] apps)
    {
        var ids = apps.Select(_ => Guid.NewGuid().ToString("B").ToUpperInvariant()).ToArray();
        var text = new System.Text.StringBuilder("Microsoft Visual Studio Solution File, Format Version 12.00\n");
        for (var i = 0; i < apps.Length; i++)
        {
            text.Append($"Project(\"{{9A19103F-16F7-4668-BE54-9A1E7A4F7556}}\") = \"{apps[i].Name}\", \"{apps[i].Folder}/App.csproj\", \"{ids[i]}\"\nEndProject\n");
        }

        text.Append("Global\n\tGlobalSection(SolutionConfigurationPlatforms) = preSolution\n\t\tRelease|Any CPU = Release|Any CPU\n\tEndGlobalSection\n");
        text.Append("\tGlobalSection(ProjectConfigurationPlatforms) = postSolution\n");
        foreach (var id in ids)
        {
            text.Append($"\t\t{id}.Release|Any CPU.ActiveCfg = Release|Any CPU\n\t\t{id}.Release|Any CPU.Build.0 = Release|Any CPU\n");
        }

        return text.Append("\tEndGlobalSection\nEndGlobal\n").ToString();
    }
}
