using System.Text.RegularExpressions;
using Maas.Testing;

namespace Maas.Kubernetes.Tests.Deploy;

/// <summary>The Dockerfile of maas-api fits the Deployment's securityContext.</summary>
public sealed partial class ContainerImageTests
{
    [Fact]
    public void The_image_is_multi_stage_runs_as_a_numeric_non_root_user_and_writes_nothing_to_its_root_filesystem()
    {
        var root = RepositoryCheckout.Root;
        var dockerfile = File.ReadAllText(Path.Combine(root, "samples", "Maas.Api", "Dockerfile"));
        var deployment = File.ReadAllText(Path.Combine(root, "deploy", "base", "deployment.yaml"));

        Assert.Equal(2, From().Count(dockerfile));
        var user = Assert.Single(User().Matches(dockerfile));
        Assert.True(int.TryParse(user.Groups[1].Value, out var uid) && uid > 0, "USER must be a numeric non-root uid so runAsNonRoot can be verified");
        Assert.Contains("DOTNET_EnableDiagnostics=0", dockerfile, StringComparison.Ordinal);
        Assert.Contains("runAsNonRoot: true", deployment, StringComparison.Ordinal);
        Assert.Contains("readOnlyRootFilesystem: true", deployment, StringComparison.Ordinal);
        Assert.Contains("allowPrivilegeEscalation: false", deployment, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^FROM\s", RegexOptions.Multiline)]
    private static partial Regex From();

    [GeneratedRegex(@"^USER\s+(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex User();
}
