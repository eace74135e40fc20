using System.Net;
using System.Text.Json;
using Maas.Api;
using Maas.Models;
using Maas.Testing;
using Maas.Testing.Kubernetes;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Api.Tests;

/// <summary><c>--model-source=kserve</c>: <c>GET /v1/models</c> lists the LLMInferenceServices on the cluster, live.</summary>
public sealed class KServeModelSourceTests
{
    [Fact]
    public void The_model_source_is_configuration_by_default_kserve_from_the_flag_or_variable_and_nothing_else()
    {
        Assert.Equal("configuration", HostSettings.Parse([], _ => null, isDevelopment: true).ModelSource);
        Assert.Equal("kserve", HostSettings.Parse(["--model-source=kserve"], _ => null, isDevelopment: true).ModelSource);
        Assert.Equal("kserve", HostSettings.Parse([], name => name == "MODEL_SOURCE" ? "KServe" : null, isDevelopment: true).ModelSource);
        Assert.Equal("configuration", HostSettings.Parse(["--model-source", "configuration"], name => name == "MODEL_SOURCE" ? "kserve" : null, isDevelopment: true).ModelSource);

        var error = Assert.Throws<HostSettingsException>(() => HostSettings.Parse(["--model-source=kubernetes"], _ => null, isDevelopment: true));
        Assert.Equal("invalid value \"kubernetes\" for --model-source: use configuration or kserve", error.Message);
    }

    [Fact]
    public async Task With_kserve_the_models_are_the_llm_inference_services_applied_with_kubectl()
    {
        await using var cluster = await FakeKubernetesApiServer.StartAsync();
        using var directory = new TemporaryDirectory();
        var kubeconfig = cluster.WriteKubeconfig(directory.Path);
        var kubectl = new Kubectl(kubeconfig);
        await kubectl.RunCheckedAsync(["create", "namespace", "llm"]);
        await using var server = await MaasApiServer.StartAsync(
            ["--model-source=kserve", "--gateway-name=maas-default-gateway", "--gateway-namespace=openshift-ingress"],
            environment: new Dictionary<string, string?> { ["KUBECONFIG"] = kubeconfig });
        var token = await DataPlaneFlowTests.IssueTokenAsync(server, "alice", "system:authenticated");
        using var caller = server.CreateBearerClient(token);
        using (var none = JsonDocument.Parse(await caller.GetStringAsync("/v1/models")))
        {
            Assert.Equal(0, none.RootElement.GetProperty("data").GetArrayLength());
        }

        var catalog = Assert.IsAssignableFrom<IWatchableModelCatalog>(server.Services.GetRequiredService<IModelCatalog>());
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (catalog.GetChangeToken().RegisterChangeCallback(_ => changed.TrySetResult(), null))
        {
            await kubectl.RunCheckedAsync(["apply", "--validate=false", "-f", "-"], """
                apiVersion: serving.kserve.io/v1alpha1
                kind: LLMInferenceService
                metadata:
                  name: granite
                  namespace: llm
                  annotations:
                    openshift.io/display-name: Granite
                spec:
                  model:
                    name: ibm/granite
                  router:
                    gateway:
                      refs:
                      - name: maas-default-gateway
                        namespace: openshift-ingress
                status:
                  url: http://gateway.example/llm/granite
                  conditions:
                  - type: Ready
                    status: "True"
                """);
            await changed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        using var models = JsonDocument.Parse(await caller.GetStringAsync("/v1/models"));
        var model = Assert.Single(models.RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal("ibm/granite", model.GetProperty("id").GetString());
        Assert.Equal("llm", model.GetProperty("owned_by").GetString());
        Assert.Equal("http://gateway.example/llm/granite", model.GetProperty("url").GetString());
        Assert.True(model.GetProperty("ready").GetBoolean());
        Assert.Equal("Granite", model.GetProperty("modelDetails").GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task An_unreachable_api_server_stops_start_up_with_one_line_naming_it()
    {
        using var directory = new TemporaryDirectory();
        var unreachable = $"http://127.0.0.1:{FreePort.OnLoopback()}";
        var kubeconfig = FakeKubernetesApiServer.WriteKubeconfig(directory.Path, unreachable, "some-token");

        var error = await Assert.ThrowsAsync<HostSettingsException>(() => MaasApiServer.StartAsync(
            ["--model-source=kserve"], environment: new Dictionary<string, string?> { ["KUBECONFIG"] = kubeconfig }));

        Assert.StartsWith($"--model-source=kserve: the Kubernetes API server {unreachable}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain("some-token", error.Message, StringComparison.Ordinal);
    }
}
