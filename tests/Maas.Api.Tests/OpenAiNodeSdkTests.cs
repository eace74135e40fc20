using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Maas.Api.Tests;

/// <summary>
/// The official OpenAI Node.js SDK (npm <c>openai</c>, pinned in OpenAiNode/package-lock.json) against the sample
/// host's gateway, as a newcomer points it: a Maas API key as <c>apiKey</c>, the model URL plus <c>/v1</c> as
/// <c>baseURL</c>. The checks are in OpenAiNode/script.mjs; node and npm must be on PATH (test.sh installs them).
/// </summary>
public sealed class OpenAiNodeSdkTests
{
    private static readonly string ScriptDirectory = Path.Combine(HostPaths.RepositoryRoot, "tests", "Maas.Api.Tests", "OpenAiNode");

    [Fact]
    public async Task The_OpenAI_Node_SDK_lists_retrieves_chats_streams_completes_embeds_and_raises_RateLimitError_with_the_request_id()
    {
        if (!Directory.Exists(Path.Combine(ScriptDirectory, "node_modules", "openai")))
        {
            await RunAsync("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], new Dictionary<string, string>());
        }

        await using var server = await MaasApiServer.StartAsync();
        using var gateway = server.CreateClient("nodeuser", "system:authenticated");
        using var created = await gateway.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"node-sdk"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        var (modelUrl, modelName) = await DataPlaneFlowTests.FirstModelAsync(server, key);

        // The control plane's card, which the model URL's list and both retrieves must repeat.
        using var withKey = server.CreateBearerClient(key);
        using var models = JsonDocument.Parse(await withKey.GetStringAsync("/v1/models"));
        var card = models.RootElement.GetProperty("data").EnumerateArray().Single(m => m.GetProperty("id").GetString() == modelName);

        var output = await RunAsync("node", ["script.mjs"], new Dictionary<string, string>
        {
            ["MODEL_URL"] = modelUrl,
            ["HOST_URL"] = server.BaseAddress.ToString().TrimEnd('/'),
            ["API_KEY"] = key,
            ["MODEL"] = modelName,
            ["OWNED_BY"] = card.GetProperty("owned_by").GetString()!,
            ["CREATED"] = card.GetProperty("created").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        Assert.Contains("all checks passed", output, StringComparison.Ordinal);
    }

    private static async Task<string> RunAsync(string command, string[] args, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = ScriptDirectory };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception ex)
        {
            Assert.Fail($"'{command}' could not be started ({ex.Message}): this test needs Node.js and npm on PATH (test.sh installs the nodejs and npm packages).");
            throw;
        }

        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{command} {string.Join(' ', args)} did not finish in 3 minutes.");
            }

            var output = await stdout + await stderr;
            Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', args)} failed ({process.ExitCode}):{Environment.NewLine}{output}");
            return output;
        }
    }
}
