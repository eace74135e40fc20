using System.Text.Json.Nodes;
using Maas.Kubernetes.Tiers;
using Maas.Testing;
using Maas.Testing.Kubernetes;
using Maas.Tiers;
using Microsoft.Extensions.Options;

namespace Maas.Kubernetes.Tests.Tiers;

public sealed class ConfigMapTierSourceTests : IAsyncLifetime
{
    private readonly KubernetesTestCluster _cluster = new();
    private readonly TemporaryDirectory _directory = new();
    private ConfigMapTierSource? _source;

    public async Task InitializeAsync()
    {
        await _cluster.InitializeAsync();
        _cluster.Server.Put(KubernetesResourceType.Namespaces, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "maas-api" } });
    }

    public async Task DisposeAsync()
    {
        if (_source is not null)
        {
            await _source.StopAsync(CancellationToken.None);
            _source.Dispose();
        }

        await _cluster.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task An_edit_applied_with_kubectl_changes_the_answer_without_a_restart_and_a_malformed_edit_keeps_the_last_good_tiers()
    {
        var kubectl = new Kubectl(_cluster.Server.WriteKubeconfig(_directory.Path));
        await kubectl.RunCheckedAsync(["apply", "--validate=false", "-f", "-"], Manifest("- name: free\n  level: 0\n  groups: [everyone]\n"));
        var source = await StartAsync();
        Assert.Equal("free", source.Resolve(["everyone"])?.Name);
        Assert.Null(source.Resolve(["vip"]));

        await UntilAsync(source, () => source.Resolve(["vip"])?.Name == "gold", () =>
            kubectl.RunCheckedAsync(["apply", "--validate=false", "-f", "-"], Manifest("- name: free\n  level: 0\n  groups: [everyone]\n- name: gold\n  level: 5\n  groups: [vip]\n")));

        var handled = 0;
        source.Handled += () => Interlocked.Increment(ref handled);
        await kubectl.RunCheckedAsync(["apply", "--validate=false", "-f", "-"], Manifest("- name: free\n  groups: [everyone\n"));
        await UntilAsync(source, () => _cluster.Logs.GetSnapshot().Any(r => r.Id.Id == 3302), () => Task.CompletedTask);

        Assert.Equal("gold", source.Resolve(["vip", "everyone"])?.Name);
        Assert.Equal(2, source.Tiers.Count);
        var rejected = _cluster.Logs.GetSnapshot().Single(r => r.Id.Id == 3302);
        Assert.Contains("malformed at line", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dropped_watch_resumes_from_its_resource_version()
    {
        PutMapping("- name: free\n  groups: [everyone]\n");
        var source = await StartAsync();
        await UntilAsync(source, () => _cluster.Server.OpenWatches == 1, () => Task.CompletedTask);
        var lists = ListCalls();

        await UntilAsync(source, () => source.Resolve(["vip"]) is not null, () =>
        {
            // The mapping changes while the watch is down; the resumed watch replays it from history.
            HoldWatches(() => PutMapping("- name: free\n  groups: [everyone]\n- name: gold\n  level: 1\n  groups: [vip]\n"));
            return Task.CompletedTask;
        });

        // No new list: the watch came back from the version it had (a dropped connection is a failure retried after a pause).
        Assert.Equal(lists, ListCalls());
        Assert.Contains(_cluster.Logs.GetSnapshot(), r => r.Id.Id is 3202 or 3204);
    }

    [Fact]
    public async Task A_watch_from_a_forgotten_resource_version_lists_again()
    {
        PutMapping("- name: free\n  groups: [everyone]\n");
        var source = await StartAsync();
        await UntilAsync(source, () => _cluster.Server.OpenWatches == 1, () => Task.CompletedTask);
        var lists = ListCalls();

        await UntilAsync(source, () => source.Resolve(["vip"]) is not null, () =>
        {
            // The mapping changes while the watch is down and the server forgets that history.
            HoldWatches(() =>
            {
                PutMapping("- name: free\n  groups: [everyone]\n- name: gold\n  level: 1\n  groups: [vip]\n");
                _cluster.Server.CompactHistory();
            });
            return Task.CompletedTask;
        });

        Assert.True(ListCalls() > lists);
        Assert.Contains(_cluster.Logs.GetSnapshot(), r => r.Id.Id == 3203);
    }

    [Fact]
    public async Task Deleting_the_config_map_keeps_the_last_tiers()
    {
        PutMapping("- name: gold\n  level: 1\n  groups: [vip]\n");
        var source = await StartAsync();

        await UntilAsync(source, () => _cluster.Logs.GetSnapshot().Any(r => r.Id.Id == 3303), () =>
        {
            _cluster.Server.Delete(KubernetesResourceType.ConfigMaps, "maas-api", "tier-to-group-mapping");
            return Task.CompletedTask;
        });

        Assert.Equal("gold", source.Resolve(["vip"])?.Name);
    }

    [Fact]
    public async Task Without_a_config_map_the_configured_tiers_apply()
    {
        var source = await StartAsync();

        Assert.Equal(["free", "premium", "enterprise"], source.Tiers.Select(t => t.Name));
        Assert.Equal("premium", source.Resolve(["premium-group"])?.Name);
    }

    [Fact]
    public async Task An_api_server_that_refuses_or_is_unreachable_stops_start_up_with_one_line()
    {
        _cluster.Server.Forbid("list", "configmaps");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync());
        Assert.Equal("Could not list ConfigMap maas-api/tier-to-group-mapping on the Kubernetes API server (HTTP 403 Forbidden).", error.Message);
        _source = null;

        using var unreachable = new k8s.Kubernetes(new k8s.KubernetesClientConfiguration { Host = $"http://127.0.0.1:{FreePort.OnLoopback()}" });
        using var source = new ConfigMapTierSource(unreachable, _cluster.WrappedOptions, Options.Create(new MaasOptions()), _cluster.Time, _cluster.Logger<ConfigMapTierSource>());
        error = await Assert.ThrowsAsync<InvalidOperationException>(() => source.StartAsync(CancellationToken.None));
        Assert.StartsWith("Could not list ConfigMap maas-api/tier-to-group-mapping on the Kubernetes API server (", error.Message, StringComparison.Ordinal);
    }

    private async Task<ConfigMapTierSource> StartAsync()
    {
        var maas = new MaasOptions();
        foreach (var tier in DefaultTiersForTest())
        {
            maas.Tiers.Add(tier);
        }

        _source = new ConfigMapTierSource(_cluster.Client, _cluster.WrappedOptions, Options.Create(maas), _cluster.Time, _cluster.Logger<ConfigMapTierSource>());
        await _source.StartAsync(CancellationToken.None);
        return _source;
    }

    private static IEnumerable<Tier> DefaultTiersForTest() =>
    [
        new Tier { Name = "free", Groups = ["tier-free-users"] },
        new Tier { Name = "premium", Level = 1, Groups = ["premium-group"] },
        new Tier { Name = "enterprise", Level = 2, Groups = ["enterprise-group"] },
    ];

    // Drops the open watches and holds new ones back until the change is made.
    private void HoldWatches(Action change)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _cluster.Server.BeforeRequest = call => call.Verb == "watch" ? new ValueTask(gate.Task) : ValueTask.CompletedTask;
        _cluster.Server.DropWatches();
        change();
        _cluster.Server.BeforeRequest = null;
        gate.SetResult();
    }

    private int ListCalls() => _cluster.Server.Calls.Count(c => c is { Verb: "list", Resource: "configmaps" });

    private void PutMapping(string tiers)
    {
        _cluster.Server.Put(KubernetesResourceType.ConfigMaps, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "tier-to-group-mapping", ["namespace"] = "maas-api" },
            ["data"] = new JsonObject { ["tiers"] = tiers },
        });
    }

    // Runs the action, then waits until the condition holds (see KubernetesTestCluster.UntilAsync).
    private Task UntilAsync(ConfigMapTierSource source, Func<bool> condition, Func<Task> action) =>
        _cluster.UntilAsync(handler => source.Handled += handler, handler => source.Handled -= handler, condition, action);

    private static string Manifest(string tiers) => TierMappingManifest.For("maas-api", tiers);
}
