using Maas.Testing;

namespace Maas.Api.Tests;

/// <summary>
/// A gateway client with an unreadable secret hash stops maas-api at start with one clear line. The host's program runs
/// in-process (<see cref="StartupValidationTests.RunInProcessAsync"/>, the settings given as the environment would give
/// them); what the process would print on stdout is its log, checked as such.
/// </summary>
public sealed class GatewayClientSettingsTests
{
    [Theory]
    [InlineData("plain-secret")]
    [InlineData("sha256:abc")]
    [InlineData("md5:0123456789abcdef0123456789abcdef")]
    [InlineData("")]
    public async Task Unreadable_secret_hash_stops_the_host_naming_the_setting_without_echoing_it(string secretHash)
    {
        var (exitCode, stderr, logged) = await StartupValidationTests.RunInProcessAsync(
            [],
            ["Maas__Gateway__Clients__0__ClientId=authorino", "Maas__Gateway__Clients__0__SecretHash=" + secretHash]);

        Assert.NotEqual(0, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Maas:Gateway:Clients:0:SecretHash", line, StringComparison.Ordinal);
        Assert.Contains("sha256sum", line, StringComparison.Ordinal);
        if (secretHash.Length > 0)
        {
            Assert.DoesNotContain(secretHash, logged + stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Duplicate_client_ids_stop_the_host()
    {
        var hash = IntrospectionRequests.SecretHash("0123456789abcdef0123456789abcdef");
        var (exitCode, stderr, _) = await StartupValidationTests.RunInProcessAsync(
            [],
            [
                "Maas__Gateway__Clients__0__ClientId=authorino", "Maas__Gateway__Clients__0__SecretHash=" + hash,
                "Maas__Gateway__Clients__1__ClientId=authorino", "Maas__Gateway__Clients__1__SecretHash=" + hash,
            ]);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("client 'authorino' twice", stderr, StringComparison.Ordinal);
    }
}
