using Maas.Hosting.Telemetry;

namespace Maas.Hosting.AspNetCore.Tests.Telemetry;

public sealed class LoggedRequestPathTests
{
    [Theory]
    [InlineData("/v1/api-keys/sk-maas-short", "/v1/api-keys/{credential}")]
    [InlineData("/v1/api-keys/sk-oai-short", "/v1/api-keys/{credential}")]
    [InlineData("/x/SK-OAI-abc/y", "/x/{credential}/y")]
    [InlineData("/v1/api-keys/1f2SI9UJPXvb7vdJ1", "/v1/api-keys/1f2SI9UJPXvb7vdJ1")]
    public void Keys_of_either_prefix_in_a_path_never_reach_a_log_line(string path, string logged) =>
        Assert.Equal(logged, LoggedRequestPath.Redact(path));
}
