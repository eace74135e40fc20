using System.Diagnostics;

namespace Maas.Api.Tests;

/// <summary>
/// The kustomize configuration under <c>deploy/</c> renders, and names the endpoints and settings
/// this build really has. There is no YAML parser among the test dependencies, so rendering is
/// checked with <c>kubectl kustomize</c> where kubectl is installed; the cross-checks run always.
/// </summary>
public sealed class DeployManifestTests
{
    private static readonly string s_deploy = Path.Combine(HostPaths.RepositoryRoot, "deploy");

    [Fact]
    public void Manifests_name_the_introspection_endpoint_jwks_issuer_and_configuration_keys_of_this_build()
    {
        var deployment = File.ReadAllText(Path.Combine(s_deploy, "base", "deployment.yaml"));
        var authPolicy = File.ReadAllText(Path.Combine(s_deploy, "kuadrant", "authpolicy.yaml"));

        Assert.Contains("Maas__Gateway__Clients__0__ClientId", deployment, StringComparison.Ordinal);
        Assert.Contains("Maas__Gateway__Clients__0__SecretHash", deployment, StringComparison.Ordinal);
        Assert.Contains("Maas__Gateway__SharedSecret", deployment, StringComparison.Ordinal);
        Assert.Contains("path: /health", deployment, StringComparison.Ordinal);

        const string service = "http://maas-api.maas-api.svc.cluster.local:8080";
        Assert.Contains($"value: {service}", deployment, StringComparison.Ordinal);
        Assert.Contains($"endpoint: {service}/v1/introspect", authPolicy, StringComparison.Ordinal);
        Assert.DoesNotContain("issuerUrl", authPolicy, StringComparison.Ordinal); // no offline JWT check: it would not see revocations
        Assert.Contains("prefix: Bearer", authPolicy, StringComparison.Ordinal);
        Assert.Contains("auth.identity.tier", authPolicy, StringComparison.Ordinal);

        foreach (var file in Directory.EnumerateFiles(s_deploy, "*.yaml", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("\t", text, StringComparison.Ordinal); // YAML forbids tabs for indentation
            Assert.StartsWith(Path.GetFileName(file) == "kustomization.yaml" ? "#" : "apiVersion:", text.TrimStart(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Kustomize_renders_every_configuration_when_kubectl_is_installed()
    {
        foreach (var directory in new[] { "", "base", "kuadrant" })
        {
            var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("kustomize");
            start.ArgumentList.Add(Path.Combine(s_deploy, directory));
            Process? process;
            try
            {
                process = Process.Start(start);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return; // kubectl is not installed here
            }

            using (process)
            {
                var output = process!.StandardOutput.ReadToEndAsync();
                var error = process.StandardError.ReadToEndAsync();
                await process.WaitForExitAsync();
                Assert.True(process.ExitCode == 0, await error);
                Assert.Contains("kind:", await output, StringComparison.Ordinal);
            }
        }
    }
    [Fact]
    public async Task Container_image_the_sdk_builds_has_the_name_user_ports_and_settings_the_deployment_expects()
    {
        var deployment = File.ReadAllText(Path.Combine(s_deploy, "base", "deployment.yaml"));
        Assert.Contains("image: ghcr.io/maas-dotnet/maas-api:latest", deployment, StringComparison.Ordinal);
        Assert.Contains("runAsNonRoot: true", deployment, StringComparison.Ordinal);
        Assert.Contains("readOnlyRootFilesystem: true", deployment, StringComparison.Ordinal);
        Assert.Contains("dotnet publish samples/Maas.Api -c Release -t:PublishContainer -p:ContainerRegistry=ghcr.io", DocumentedOperatorTests.Readme, StringComparison.Ordinal);

        // What PublishContainer would build, computed without pulling the base image (no registry is reachable here).
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "msbuild", Path.Combine(HostPaths.RepositoryRoot, "samples", "Maas.Api"), "-t:ComputeContainerConfig", "-p:Configuration=" + HostPaths.Configuration, "-p:ContainerRegistry=ghcr.io", "-getProperty:ContainerRegistry", "-getProperty:ContainerRepository", "-getProperty:ContainerImageTags", "-getProperty:ContainerUser", "-getItem:ContainerPort", "-getItem:ContainerEnvironmentVariables" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await output + await error);
        using var config = System.Text.Json.JsonDocument.Parse(await output);
        var properties = config.RootElement.GetProperty("Properties");
        Assert.Equal("ghcr.io/maas-dotnet/maas-api:latest", $"{properties.GetProperty("ContainerRegistry").GetString()}/{properties.GetProperty("ContainerRepository").GetString()}:{properties.GetProperty("ContainerImageTags").GetString()}");
        Assert.True(int.TryParse(properties.GetProperty("ContainerUser").GetString(), out var user) && user > 0, "runAsNonRoot needs a numeric user other than root");

        var items = config.RootElement.GetProperty("Items");
        var ports = items.GetProperty("ContainerPort").EnumerateArray().Select(p => p.GetProperty("Identity").GetString()!).Order(StringComparer.Ordinal);
        var deployedPorts = System.Text.RegularExpressions.Regex.Matches(deployment, @"containerPort: (\d+)").Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);
        Assert.Equal(deployedPorts, ports);
        Assert.Contains(items.GetProperty("ContainerEnvironmentVariables").EnumerateArray(), v => v.GetProperty("Identity").GetString() == "DOTNET_EnableDiagnostics" && v.GetProperty("Value").GetString() == "0");

        // The Dockerfile builds the same image.
        var dockerfile = File.ReadAllText(Path.Combine(HostPaths.RepositoryRoot, "samples", "Maas.Api", "Dockerfile"));
        Assert.Contains($"USER {user}", dockerfile, StringComparison.Ordinal);
        Assert.Contains("EXPOSE " + string.Join(' ', ports), dockerfile, StringComparison.Ordinal);
        Assert.Contains("ENV DOTNET_EnableDiagnostics=0", dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void Kuadrant_token_policy_carries_the_tokens_per_minute_of_every_default_tier()
    {
        var kustomization = File.ReadAllText(Path.Combine(s_deploy, "kuadrant", "kustomization.yaml"));
        Assert.Contains("- tokenratelimitpolicy.yaml", kustomization, StringComparison.Ordinal);
        var policy = File.ReadAllLines(Path.Combine(s_deploy, "kuadrant", "tokenratelimitpolicy.yaml"));
        Assert.Contains("kind: TokenRateLimitPolicy", policy);

        // Each limit block: "    <tier>-tokens:", then "- limit: N", "window: 1m" and the tier predicate.
        var limits = new Dictionary<string, (long Limit, string Window, string Predicate)>(StringComparer.Ordinal);
        for (var i = 0; i < policy.Length; i++)
        {
            var line = policy[i];
            if (!line.StartsWith("    ", StringComparison.Ordinal) || line.StartsWith("     ", StringComparison.Ordinal) || !line.TrimEnd().EndsWith("-tokens:", StringComparison.Ordinal))
            {
                continue;
            }

            var tier = line.Trim()[..^"-tokens:".Length];
            var block = policy.Skip(i + 1).TakeWhile(l => l.StartsWith("      ", StringComparison.Ordinal)).Select(l => l.Trim()).ToArray();
            var limit = long.Parse(block.Single(l => l.StartsWith("- limit: ", StringComparison.Ordinal))["- limit: ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            var window = block.Single(l => l.StartsWith("window: ", StringComparison.Ordinal))["window: ".Length..];
            var predicate = block.Single(l => l.StartsWith("- predicate: ", StringComparison.Ordinal));
            limits.Add(tier, (limit, window, predicate));
        }

        var tiers = Maas.Tiers.DefaultTiers.Create();
        Assert.Equal(tiers.Select(t => t.Name).Order(StringComparer.Ordinal), limits.Keys.Order(StringComparer.Ordinal));
        foreach (var tier in tiers)
        {
            var (limit, window, predicate) = limits[tier.Name];
            Assert.Equal(tier.Limits.TokensPerMinute, limit);
            Assert.Equal("1m", window);
            Assert.Contains($"auth.identity.tier == \"{tier.Name}\"", predicate, StringComparison.Ordinal);
        }
    }
}
