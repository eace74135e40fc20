using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Maas.Testing;

namespace Maas.Api.Tests;

/// <summary>SIGTERM during a load of key creations on the disk store loses no acknowledged key and exits 0.</summary>
public sealed class GracefulShutdownTests
{
    private static readonly TimeSpan ShutdownBound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Sigterm_during_key_creation_load_keeps_every_201_key_and_exits_0_within_the_bound()
    {
        using var directory = new TemporaryDirectory();
        var dataPath = directory.Combine("maas.db");
        string[] args = ["--storage=disk", "--data-path", dataPath];
        var outcomes = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        int? exitCode;
        await using (var host = await MaasApiProcess.StartAsync([.. args, "--shutdown-timeout=" + ShutdownBound.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s"]))
        {
            var created = 0;
            using var enoughLoad = new SemaphoreSlim(0);
            var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
            {
                using var alice = host.CreateClient("alice", "system:authenticated");
                for (var i = 0; ; i++)
                {
                    var name = $"w{worker}-{i}";
                    try
                    {
                        using var response = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json($$"""{"name":"{{name}}"}"""));
                        outcomes[name] = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                        if (response.StatusCode == HttpStatusCode.Created && Interlocked.Increment(ref created) == 40)
                        {
                            enoughLoad.Release();
                        }
                    }
                    catch (HttpRequestException)
                    {
                        outcomes[name] = "refused";
                        return;
                    }
                }
            })).ToArray();

            await enoughLoad.WaitAsync(TimeSpan.FromSeconds(60));
            exitCode = await host.TerminateAsync(ShutdownBound + TimeSpan.FromSeconds(5));
            await Task.WhenAll(workers);
        }

        Assert.Equal(0, exitCode);
        Assert.All(outcomes.Values, outcome => Assert.True(outcome is "201" or "refused", "unexpected outcome " + outcome));
        Assert.True(outcomes.Values.Count(o => o == "201") >= 40);

        await using var restarted = await MaasApiServer.StartAsync(args);
        using var alice = restarted.CreateClient("alice", "system:authenticated");
        using var list = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys"));
        var stored = list.RootElement.EnumerateArray().Select(k => k.GetProperty("name").GetString()!).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, outcome) in outcomes)
        {
            Assert.True(outcome == "201" ? stored.Contains(name) : !stored.Contains(name), $"{name}: answered {outcome} but {(stored.Contains(name) ? "is" : "is not")} in the store after restart");
        }
    }

    [Fact]
    public void Default_shutdown_bound_is_below_the_Deployments_termination_grace_period()
    {
        var deployment = File.ReadAllLines(Path.Combine(HostPaths.RepositoryRoot, "deploy", "base", "deployment.yaml"));
        var grace = deployment.Select(l => l.Trim()).Single(l => l.StartsWith("terminationGracePeriodSeconds:", StringComparison.Ordinal));
        var graceSeconds = int.Parse(grace["terminationGracePeriodSeconds:".Length..].Trim(), CultureInfo.InvariantCulture);
        var settings = HostSettings.Parse([], _ => null, isDevelopment: false);
        Assert.Equal(TimeSpan.FromSeconds(25), settings.ShutdownTimeout);
        Assert.True(settings.ShutdownTimeout < TimeSpan.FromSeconds(graceSeconds), $"--shutdown-timeout {settings.ShutdownTimeout} is not below terminationGracePeriodSeconds {graceSeconds}");
    }
}
