using System.Diagnostics;

namespace Maas.Testing;

/// <summary>
/// The dotnet CLI as the packaging tests run it (from a folder, without telemetry or logo, its two
/// streams together), and the files that make a fresh project restore Maas from a local feed of packed
/// packages instead of the repository's projects and central versions.
/// </summary>
public static class DotnetCommand
{
    /// <summary>Runs <c>dotnet</c> with <paramref name="args"/> in <paramref name="directory"/> and fails the test with its output unless it exits 0.</summary>
    public static async Task RunAsync(string directory, params string[] args)
    {
        var (exitCode, output) = await TryRunAsync(directory, args);
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', args)} failed ({exitCode}):{Environment.NewLine}{output}");
    }

    /// <summary>Runs <c>dotnet</c> with <paramref name="args"/> in <paramref name="directory"/>: its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> TryRunAsync(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>
    /// Makes the project in <paramref name="project"/> restore from <paramref name="feed"/> beside the sources
    /// already configured on this machine (nuget.org or its mirror), and empties the MSBuild files of
    /// <paramref name="work"/> (the project's parent folder) so the repository's are not inherited.
    /// </summary>
    public static async Task UseLocalFeedAsync(string project, string feed, string work)
    {
        await File.WriteAllTextAsync(Path.Combine(project, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="maas-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(work, "Directory.Build.props"), "<Project />");
        await File.WriteAllTextAsync(Path.Combine(work, "Directory.Packages.props"), "<Project />");
    }
}
