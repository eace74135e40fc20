namespace Maas.Api.Tests;

/// <summary>
/// <c>samples/Maas.Api</c> is composition: the Go service's flags and the wiring of the packages. What an
/// embedder would want (telemetry, Kestrel hardening, health, shutdown, the flag syntax, the page) lives in a
/// package, so the sample's own C# stays small (issue 21: at most 800 lines; the build's output not counted).
/// </summary>
public sealed class SampleHostSizeTests
{
    private const int MaximumLines = 800;

    [Fact]
    public void Sample_host_is_at_most_800_lines_of_csharp()
    {
        var sample = Path.Combine(HostPaths.RepositoryRoot, "samples", "Maas.Api");
        var files = Directory.EnumerateFiles(sample, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(sample, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("obj/", StringComparison.Ordinal) && !f.StartsWith("bin/", StringComparison.Ordinal))
            .ToDictionary(f => f, f => File.ReadAllLines(Path.Combine(sample, f)).Length, StringComparer.Ordinal);

        Assert.Contains("Program.cs", files.Keys);
        var total = files.Values.Sum();
        Assert.True(
            total <= MaximumLines,
            $"samples/Maas.Api has {total} lines of C# (at most {MaximumLines}): " +
            string.Join(", ", files.OrderByDescending(f => f.Value).Select(f => $"{f.Key} {f.Value}")) +
            ". Move what an embedder would want into its package.");
    }
}
