using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Maas.Testing;

namespace Maas.Api.Tests;

/// <summary>
/// The packages as published work in a fresh app: they are packed to a local feed, and the app in
/// README (PackageConsumer/Program.cs, no project reference) restores from that feed plus the
/// normal NuGet source, builds, runs on Kestrel and issues a token and a key.
/// </summary>
public sealed class PackageConsumerTests
{
    private static readonly string[] Packages = ["Maas.Core", "Maas.Storage", "Maas.Storage.Sqlite", "Maas.Storage.PostgreSql", "Maas.Hosting.AspNetCore"];

    [Fact]
    public async Task A_fresh_app_built_from_the_local_packages_issues_a_token_and_a_key()
    {
        using var work = new TemporaryDirectory();
        var feed = Directory.CreateDirectory(work.Combine("feed")).FullName;
        var version = "0.1.0-test" + DateTimeOffset.UnixEpoch.Add(TimeProvider.System.GetUtcNow() - DateTimeOffset.UnixEpoch).ToUnixTimeSeconds();
        foreach (var package in Packages)
        {
            // The projects are built by the test build already: pack what was built.
            await RunAsync(HostPaths.RepositoryRoot, "pack", Path.Combine("src", package, package + ".csproj"), "-c", Configuration, "--no-build", "-o", feed, "-p:PackageVersion=" + version);
            var nupkg = Path.Combine(feed, $"{package}.{version}.nupkg");
            Assert.True(File.Exists(Path.Combine(feed, $"{package}.{version}.snupkg")), package + ": no symbol package");
            using var zip = ZipFile.OpenRead(nupkg);
            Assert.Contains(zip.Entries, e => e.FullName == "README.md");
            Assert.Contains(zip.Entries, e => e.FullName == $"lib/net10.0/{package}.xml");
            using var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            var manifest = await nuspec.ReadToEndAsync();
            Assert.Contains("<license type=\"expression\">Apache-2.0</license>", manifest, StringComparison.Ordinal);
            Assert.Contains("<repository type=\"git\" url=\"https://github.com/maas-dotnet/maas\"", manifest, StringComparison.Ordinal);
            Assert.Contains("<readme>README.md</readme>", manifest, StringComparison.Ordinal);
        }

        var app = Directory.CreateDirectory(work.Combine("app")).FullName;
        var source = Path.Combine(AppContext.BaseDirectory, "PackageConsumer");
        var program = await File.ReadAllTextAsync(Path.Combine(source, "Program.cs"));
        Assert.Contains(program.Trim(), (await File.ReadAllTextAsync(Path.Combine(HostPaths.RepositoryRoot, "README.md"))).Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), program);
        await File.WriteAllTextAsync(Path.Combine(app, "App.csproj"), (await File.ReadAllTextAsync(Path.Combine(source, "PackageConsumer.csproj.txt"))).Replace("$(MaasVersion)", version, StringComparison.Ordinal));
        // The local feed beside the sources already configured on this machine (nuget.org or its mirror).
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="maas-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(work.Path, "Directory.Build.props"), "<Project />");
        await File.WriteAllTextAsync(Path.Combine(work.Path, "Directory.Packages.props"), "<Project />");
        await RunAsync(app, "build", "-c", "Release", "--packages", work.Combine("packages"), "-o", work.Combine("out"));

        var port = FreePort.OnLoopback();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = work.Combine("out") };
        start.ArgumentList.Add(work.Combine("out", "App.dll"));
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{port}");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var alice = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            alice.DefaultRequestHeaders.Add("X-MaaS-Username", "alice");
            alice.DefaultRequestHeaders.Add("X-MaaS-Group", "[\"system:authenticated\"]");
            var started = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    if ((await alice.GetAsync("/health")).StatusCode == HttpStatusCode.OK)
                    {
                        break;
                    }
                }
                catch (HttpRequestException) when (started.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited)
                {
                    // Poll interval while the app starts, not a guess at how long that takes.
                    await Task.Delay(TimeSpan.FromMilliseconds(50));
                }
            }

            using var token = await alice.PostAsync("/v1/tokens", MaasApiServer.Json("{}"));
            Assert.True(token.StatusCode == HttpStatusCode.Created, await token.Content.ReadAsStringAsync() + output);
            Assert.StartsWith("ey", JsonDocument.Parse(await token.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString(), StringComparison.Ordinal);
            using var key = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"first"}"""));
            Assert.Equal(HttpStatusCode.Created, key.StatusCode);
            Assert.StartsWith("sk-maas-", JsonDocument.Parse(await key.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static string Configuration => new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    private static async Task RunAsync(string directory, params string[] args)
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
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} failed ({process.ExitCode}):{Environment.NewLine}{await stdout}{await stderr}");
    }
}
