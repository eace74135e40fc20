using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Maas.Testing;

namespace Maas.Api.Tests;

/// <summary>
/// The README's operator commands, run as written (ports swapped for free ones): moving both ports,
/// the environment a user sets winning over the launch profile, <c>ASPNETCORE_URLS</c>, a local
/// PostgreSQL URL, the Kuadrant block's order, the package list and what <c>test.sh</c> installs.
/// </summary>
public sealed partial class DocumentedOperatorTests
{
    internal static readonly string Readme = File.ReadAllText(Path.Combine(HostPaths.RepositoryRoot, "README.md")).Replace("\r\n", "\n", StringComparison.Ordinal);

    [Fact]
    public async Task Documented_run_moves_both_ports_starts_in_development_and_says_at_start_what_it_trusts_and_ignores()
    {
        const string Documented = "dotnet run --project samples/Maas.Api -- --address 127.0.0.1:8081 --metrics-port 9091";
        Assert.Contains(Documented, Readme, StringComparison.Ordinal);
        var api = FreePort.OnLoopback();
        var metrics = FreePort.OnLoopback();
        var args = Arguments(Documented).Select(a => a.Replace("8081", Text(api), StringComparison.Ordinal).Replace("9091", Text(metrics), StringComparison.Ordinal));

        await using var host = await MaasApiProcess.RunAsDocumentedAsync(args, new Uri($"http://127.0.0.1:{api}"), new Dictionary<string, string> { ["ASPNETCORE_URLS"] = "http://127.0.0.1:5999" });
        var listening = await host.WaitForLineAsync("maas-api listening on ");
        Assert.Contains($"listening on http://127.0.0.1:{api} (", listening, StringComparison.Ordinal);
        Assert.DoesNotContain(Text(metrics), listening, StringComparison.Ordinal);
        Assert.Contains("environment: Development", listening, StringComparison.Ordinal);
        Assert.Contains($"metrics (Prometheus) on http://127.0.0.1:{metrics}/metrics", await host.WaitForLineAsync("metrics (Prometheus)"), StringComparison.Ordinal);
        Assert.Contains("ASPNETCORE_URLS (http://127.0.0.1:5999) is ignored", await host.WaitForLineAsync("ASPNETCORE_URLS"), StringComparison.Ordinal);

        // The loopback trust and the open simulator are said at start: no request with identity headers was sent yet.
        var trust = await host.WaitForLineAsync("trusted from loopback callers");
        Assert.Contains("X-MaaS-Username", trust, StringComparison.Ordinal);
        Assert.Contains("/internal/simulator without credentials", trust, StringComparison.Ordinal);

        using var client = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://127.0.0.1:{api}/health")).StatusCode);
        Assert.Contains("# TYPE", await client.GetStringAsync($"http://127.0.0.1:{metrics}/metrics"), StringComparison.Ordinal);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("http://127.0.0.1:5999/health"));
    }

    [Theory]
    [InlineData("ASPNETCORE_ENVIRONMENT")]
    [InlineData("DOTNET_ENVIRONMENT")]
    public async Task Environment_the_user_sets_wins_over_the_launch_profile(string variable)
    {
        Assert.Contains("ASPNETCORE_ENVIRONMENT=Production dotnet run --project samples/Maas.Api\n", Readme, StringComparison.Ordinal);
        var start = MaasApiProcess.DotnetRun(["--address=127.0.0.1:0", "--metrics-port=0"], new Dictionary<string, string> { [variable] = "Production" });
        var (exitCode, _, stderr) = await MaasApiProcess.RunToExitAsync(start, "maas-api kept running: it started in Development, the launch profile won. ");

        // Production without a shared secret refuses to start: the one line proves which environment won.
        Assert.Equal(2, exitCode);
        Assert.Contains("Maas__Gateway__SharedSecret", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_launch_profile_dotnet_run_starts_in_production()
    {
        Assert.Contains("`dotnet run --no-launch-profile`, the built\n`maas-api` executable and the container image run in Production", Readme, StringComparison.Ordinal);
        var start = MaasApiProcess.DotnetRun(["--address=127.0.0.1:0", "--metrics-port=0"], launchProfile: false);
        var (exitCode, _, stderr) = await MaasApiProcess.RunToExitAsync(start, "maas-api kept running: without its launch profile it started in Development. ");

        // Production without a shared secret refuses to start: the one line proves the environment.
        Assert.Equal(2, exitCode);
        Assert.Contains("Maas__Gateway__SharedSecret", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Kuadrant_block_creates_the_namespace_before_the_secrets_in_it_and_names_the_secrets_deploy_reads()
    {
        var block = CodeBlock("kubectl apply -k deploy/");
        var lines = block.Split('\n');
        var namespaceLine = Array.FindIndex(lines, l => l.StartsWith("kubectl apply -f deploy/base/namespace.yaml", StringComparison.Ordinal));
        Assert.True(namespaceLine >= 0, "the block never creates the maas-api namespace:\n" + block);
        Assert.Contains("name: maas-api", File.ReadAllText(Path.Combine(HostPaths.RepositoryRoot, "deploy", "base", "namespace.yaml")), StringComparison.Ordinal);
        var secretLine = Array.FindIndex(lines, l => l.StartsWith("kubectl -n maas-api create secret", StringComparison.Ordinal));
        Assert.True(secretLine > namespaceLine, "a secret is created in maas-api before its namespace:\n" + block);
        Assert.True(Array.FindIndex(lines, l => l.StartsWith("SECRET=", StringComparison.Ordinal)) is >= 0 and var secret && secret < secretLine, "SECRET is used before it is set");

        // Each secret in the namespace and with the keys deploy/ reads it from.
        var deployment = File.ReadAllText(Path.Combine(HostPaths.RepositoryRoot, "deploy", "base", "deployment.yaml"));
        Assert.Contains("namespace: maas-api", File.ReadAllText(Path.Combine(HostPaths.RepositoryRoot, "deploy", "base", "kustomization.yaml")), StringComparison.Ordinal);
        Assert.Contains("name: maas-api-gateway", deployment, StringComparison.Ordinal);
        Assert.Contains("kubectl -n maas-api create secret generic maas-api-gateway", block, StringComparison.Ordinal);
        foreach (var key in new[] { "sharedSecret", "introspectionSecretHash" })
        {
            Assert.Contains("key: " + key, deployment, StringComparison.Ordinal);
            Assert.Contains("--from-literal=" + key + "=", block, StringComparison.Ordinal);
        }

        Assert.Contains("namespace: openshift-ingress", File.ReadAllText(Path.Combine(HostPaths.RepositoryRoot, "deploy", "kuadrant", "kustomization.yaml")), StringComparison.Ordinal);
        Assert.Contains("name: maas-introspection-client", File.ReadAllText(Path.Combine(HostPaths.RepositoryRoot, "deploy", "kuadrant", "authpolicy.yaml")), StringComparison.Ordinal);
        Assert.Contains("kubectl -n openshift-ingress create secret generic maas-introspection-client", block, StringComparison.Ordinal);
        Assert.Equal("kubectl apply -k deploy/", lines.Last(l => l.Length > 0));
    }

    [Fact]
    public async Task Readme_package_list_is_what_dotnet_pack_gives()
    {
        var sentence = PackagesSentence().Match(Readme);
        Assert.True(sentence.Success, "README: no 'dotnet pack ... gives' sentence");
        var documented = PackageName().Matches(sentence.Groups[1].Value).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToArray();

        // Every project of the solution that the SDK would pack: its IsPackable as MSBuild evaluates it, read for all
        // projects in one MSBuild run (one CLI start and SDK resolution, not one per project) by a target that
        // CustomAfterMicrosoftCommonTargets adds to each.
        var solution = await File.ReadAllTextAsync(Path.Combine(HostPaths.RepositoryRoot, "Maas.sln"));
        var projects = SolutionProject().Matches(solution).Select(m => m.Groups[1].Value.Replace('\\', '/')).ToArray();
        Assert.NotEmpty(projects);
        using var work = new TemporaryDirectory();
        var probe = work.Combine("is-packable.targets");
        await File.WriteAllTextAsync(probe, """
            <Project>
              <Target Name="MaasIsPackable" Returns="@(MaasIsPackable)">
                <ItemGroup><MaasIsPackable Include="$(MSBuildProjectFullPath)" IsPackable="$(IsPackable)" /></ItemGroup>
              </Target>
            </Project>
            """);
        var reader = work.Combine("read.proj");
        await File.WriteAllTextAsync(reader, $"""
            <Project>
              <ItemGroup>{string.Concat(projects.Select(p => $"<Probed Include=\"{Path.Combine(HostPaths.RepositoryRoot, p)}\" />"))}</ItemGroup>
              <Target Name="Read">
                <MSBuild Projects="@(Probed)" Targets="MaasIsPackable" Properties="Configuration={HostPaths.Configuration};CustomAfterMicrosoftCommonTargets={probe}" BuildInParallel="false">
                  <Output TaskParameter="TargetOutputs" ItemName="Read" />
                </MSBuild>
                <Message Importance="high" Text="is-packable %(Read.Filename) %(Read.IsPackable)" />
              </Target>
            </Project>
            """);
        var (exitCode, output) = await RunDotnetAsync("msbuild", reader, "-nologo", "-v:m");
        Assert.True(exitCode == 0, "reading IsPackable: " + output);
        var read = IsPackableLine().Matches(output).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
        Assert.Equal(projects.Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal), read.Keys.Order(StringComparer.Ordinal));
        var packable = read.Where(p => p.Value == "true").Select(p => p.Key);

        Assert.Equal(packable.Order(StringComparer.Ordinal), documented);
        Assert.Equal(PackageConsumerTests.PackedProjects.Order(StringComparer.Ordinal), documented);
    }

    [Fact]
    public async Task Test_script_requires_postgresql_server_binaries_and_says_what_to_install_when_they_are_missing()
    {
        var script = await File.ReadAllTextAsync(Path.Combine(HostPaths.RepositoryRoot, "test.sh"));
        Assert.Contains("require '/usr/lib/postgresql/*/bin/pg_ctl' postgresql", script, StringComparison.Ordinal);
        foreach (var (tool, package) in new[] { ("redis-server", "redis-server"), ("prometheus", "prometheus"), ("kubectl", "kubernetes-client"), ("chromium", "chromium"), ("/usr/lib/chromium/chromium-headless-shell", "chromium-headless-shell"), ("node", "nodejs"), ("npm", "npm") })
        {
            // Required by test.sh, and named among the packages the README says it installs.
            Assert.Contains($"require {tool} {package}", script, StringComparison.Ordinal);
            Assert.Contains($"`{package}`", TestScriptSentence(), StringComparison.Ordinal);
        }

        Assert.Contains("`postgresql`", TestScriptSentence(), StringComparison.Ordinal);

        // test.sh's own require, run as a user who cannot install: a glob that matches passes, one that matches nothing names the package.
        var require = RequireFunction().Match(script);
        Assert.True(require.Success, "test.sh has no require function");
        var installed = Directory.Exists("/usr/lib/postgresql") ? "/usr/lib/postgresql/*/bin/pg_ctl" : "/bin/s*";
        var (found, _, _) = await RunAsNobodyAsync(require.Value + $"\nrequire '{installed}' postgresql");
        Assert.Equal(0, found);
        var (missing, _, message) = await RunAsNobodyAsync(require.Value + "\nrequire '/nonexistent/maas/*/bin/pg_ctl' postgresql");
        Assert.Equal(1, missing);
        Assert.Contains("run 'sudo apt-get install -y postgresql'", message, StringComparison.Ordinal);
    }

    /// <summary>The README's sentence on what <c>test.sh</c> installs.</summary>
    private static string TestScriptSentence()
    {
        var at = Readme.IndexOf("`test.sh` installs ", StringComparison.Ordinal);
        Assert.True(at >= 0, "README lacks the sentence on what test.sh installs");
        return Readme[at..Readme.IndexOf("what to install", at, StringComparison.Ordinal)];
    }

    /// <summary>The fenced block of the README that contains <paramref name="text"/>.</summary>
    internal static string CodeBlock(string text)
    {
        var at = Readme.IndexOf(text, StringComparison.Ordinal);
        Assert.True(at >= 0, "README lacks: " + text);
        var start = Readme.LastIndexOf("```", at, StringComparison.Ordinal);
        start = Readme.IndexOf('\n', start) + 1;
        var end = Readme.IndexOf("```", at, StringComparison.Ordinal);
        return Readme[start..end];
    }

    /// <summary>The arguments after <c>--</c> of a documented <c>dotnet run</c> line (no quoting in it but single quotes).</summary>
    internal static string[] Arguments(string command)
    {
        var after = command[(command.IndexOf(" -- ", StringComparison.Ordinal) + 4)..];
        return [.. ShellWord().Matches(after).Select(m => m.Value.Trim('\''))];
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static async Task<(int ExitCode, string Output)> RunDotnetAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsNobodyAsync(string script)
    {
        // As root (the CI), runuser drops to nobody, so require cannot install and must say what to install.
        var asRoot = Environment.UserName == "root";
        var start = new ProcessStartInfo(asRoot ? "runuser" : "bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in asRoot ? new[] { "-u", "nobody", "--", "bash", "-c", script } : ["-c", script])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }

    [GeneratedRegex(@"`dotnet pack -c Release -o <folder>` gives ([\s\S]+?) \(the samples")]
    private static partial Regex PackagesSentence();

    [GeneratedRegex(@"`(Maas(?:\.[A-Za-z]+)*)`")]
    private static partial Regex PackageName();

    [GeneratedRegex(@"Project\(""[^""]+""\) = ""[^""]+"", ""([^""]+\.csproj)""")]
    private static partial Regex SolutionProject();

    [GeneratedRegex(@"^\s*is-packable (\S+) (\S*)\s*$", RegexOptions.Multiline)]
    private static partial Regex IsPackableLine();

    [GeneratedRegex(@"apt_updated=\nrequire\(\) \{\n(?:.*\n)*?\}\n")]
    private static partial Regex RequireFunction();

    [GeneratedRegex(@"'[^']*'|\S+")]
    private static partial Regex ShellWord();
}

/// <summary>The README's local PostgreSQL commands, run against a real throwaway server.</summary>
[Collection(SharedPostgreSqlServer.Name)]
public sealed partial class DocumentedPostgreSqlTests(PostgreSqlServer server)
{
    [Fact]
    public async Task Documented_local_postgresql_role_database_and_url_run_the_host_on_external_storage()
    {
        var block = DocumentedOperatorTests.CodeBlock("sslmode=disable'");
        var lines = block.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("sudo -u postgres psql ", lines[0], StringComparison.Ordinal);
        await using (var connection = new Npgsql.NpgsqlConnection(server.ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            foreach (Match statement in PsqlCommand().Matches(lines[0]))
            {
                await using var command = new Npgsql.NpgsqlCommand(statement.Groups[1].Value, connection);
                await command.ExecuteNonQueryAsync();
            }
        }

        // As written, but on the test server's port and on free ports of our own.
        var port = FreePort.OnLoopback();
        var args = DocumentedOperatorTests.Arguments(lines[1])
            .Select(a => a.Replace("@127.0.0.1:5432/", $"@127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}/", StringComparison.Ordinal))
            .Concat([$"--address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "--metrics-port=0"]);
        await using var host = await MaasApiProcess.RunAsDocumentedAsync(args, new Uri($"http://127.0.0.1:{port}"));
        Assert.Contains("storage: external", await host.WaitForLineAsync("maas-api listening on "), StringComparison.Ordinal);
        using var alice = host.CreateClient("alice", "system:authenticated");
        using var created = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"on-postgresql"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        await using var check = new Npgsql.NpgsqlConnection(server.ConnectionString("maas"));
        await check.OpenAsync();
        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM api_keys", check);
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [GeneratedRegex(@"-c ""([^""]+)""")]
    private static partial Regex PsqlCommand();
}
