using System.Net;
using System.Text.Json;
using Maas.Testing;

namespace Maas.Api.Tests;

/// <summary>
/// In <c>disk</c> mode keys, revocations and the signing key survive a restart of the host; a data path it cannot
/// write stops the host's program (run in-process, <see cref="StartupValidationTests.RunInProcessAsync"/>) with one line.
/// </summary>
public sealed class DiskStorageTests
{
    [Fact]
    public async Task Keys_tokens_and_revocations_survive_a_restart_in_disk_mode()
    {
        using var directory = new TemporaryDirectory();
        var dataPath = Path.Combine(directory.Path, "data", "maas-api.db");
        string[] args = ["--storage", "disk", "--data-path", dataPath];
        string token, key, revokedKey, keyId;

        await using (var first = await MaasApiServer.StartAsync(args))
        {
            using var alice = first.CreateClient("alice", "system:authenticated");
            token = await PropertyAsync(await alice.PostAsync("/v1/tokens", MaasApiServer.Json("{}")), "token");
            using var created = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"survivor","description":"kept on disk ✓"}"""));
            using var createdBody = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
            key = createdBody.RootElement.GetProperty("token").GetString()!;
            keyId = createdBody.RootElement.GetProperty("jti").GetString()!;
            revokedKey = await PropertyAsync(await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"revoked"}""")), "token");
            var revokedId = revokedKey.Substring("sk-maas-".Length, 17);
            Assert.Equal(HttpStatusCode.OK, (await alice.DeleteAsync($"/v1/api-keys/{revokedId}")).StatusCode);
        }

        Assert.True(File.Exists(dataPath));
        var keyFile = dataPath + ".signing-key.pem";
        Assert.True(File.Exists(keyFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        await using var second = await MaasApiServer.StartAsync(args);
        using var withToken = second.CreateBearerClient(token);
        Assert.Equal(HttpStatusCode.OK, (await withToken.GetAsync("/v1/models")).StatusCode);
        using var withKey = second.CreateBearerClient(key);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/models")).StatusCode);
        using var withRevoked = second.CreateBearerClient(revokedKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withRevoked.GetAsync("/v1/models")).StatusCode);

        using var aliceAgain = second.CreateClient("alice", "system:authenticated");
        using var list = JsonDocument.Parse(await aliceAgain.GetStringAsync("/v1/api-keys"));
        var statuses = list.RootElement.EnumerateArray().ToDictionary(k => k.GetProperty("name").GetString()!, k => k.GetProperty("status").GetString());
        Assert.Equal("active", statuses["survivor"]);
        Assert.Equal("revoked", statuses["revoked"]);
        using var single = JsonDocument.Parse(await aliceAgain.GetStringAsync($"/v1/api-keys/{keyId}"));
        Assert.Equal("kept on disk ✓", single.RootElement.GetProperty("description").GetString());
    }

    [Fact]
    public async Task Unwritable_data_path_stops_start_up_with_one_line_naming_it()
    {
        using var directory = new TemporaryDirectory();
        var blocker = Path.Combine(directory.Path, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "a file where a directory should be");
        var dataPath = Path.Combine(blocker, "maas-api.db");
        var (exitCode, stderr, _) = await StartupValidationTests.RunInProcessAsync(["--storage=disk", "--data-path", dataPath], []);
        Assert.NotEqual(0, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("maas-api: --storage=disk", line, StringComparison.Ordinal);
        Assert.Contains(blocker, line, StringComparison.Ordinal);
    }

    private static async Task<string> PropertyAsync(HttpResponseMessage response, string name)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return body.RootElement.GetProperty(name).GetString()!;
        }
    }
}
