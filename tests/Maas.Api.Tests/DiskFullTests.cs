using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Maas.Api.Tests;

/// <summary>
/// The disk store on a full disk: a small tmpfs holds the database, a filler file takes the rest.
/// Writes answer 503 with <c>Retry-After</c>, never 500, and 201 again once space is freed, with
/// no restart. Needs root to mount the tmpfs (CI runs as root).
/// </summary>
public sealed class DiskFullTests
{
    [Fact]
    public async Task Full_disk_answers_503_with_retry_after_never_500_and_recovers_when_space_returns()
    {
        Assert.True(Environment.IsPrivilegedProcess, "DiskFullTests needs root: it mounts a small tmpfs (mount -t tmpfs); run the tests as root.");
        var mountPoint = Directory.CreateTempSubdirectory("maas-full-").FullName;
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint);
        try
        {
            await using var host = await MaasApiServer.StartAsync(
                ["--storage=disk", "--data-path", Path.Combine(mountPoint, "maas.db")],
                builder => builder.Logging.AddFakeLogging(o => o.CollectRecordsForDisabledLogLevels = false));
            using var alice = host.CreateClient("alice", "system:authenticated");
            using (var before = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"before"}""")))
            {
                Assert.Equal(HttpStatusCode.Created, before.StatusCode);
            }

            var filler = Path.Combine(mountPoint, "filler");
            FillDisk(filler);

            // Free pages of the WAL may take a few more keys; then every write is refused cleanly.
            var description = new string('d', 1_000);
            HttpStatusCode status = HttpStatusCode.Created;
            for (var i = 0; i < 2_000 && status == HttpStatusCode.Created; i++)
            {
                using var response = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json($$"""{"name":"full-{{i}}","description":"{{description}}"}"""));
                status = response.StatusCode;
                Assert.True(status is HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable, $"answer {(int)status} on a full disk: {await response.Content.ReadAsStringAsync()}");
                if (status == HttpStatusCode.ServiceUnavailable)
                {
                    Assert.Equal("1", response.Headers.RetryAfter?.ToString());
                }
            }

            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            for (var i = 0; i < 20; i++)
            {
                using var response = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"still-full"}"""));
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.Equal("1", response.Headers.RetryAfter?.ToString());
            }

            // Every 503 is logged, but as one line per cause for the whole window (the clock stands still), not one per answer.
            var outageLines = host.Services.GetRequiredService<FakeLogCollector>().GetSnapshot()
                .Where(l => l.Category == "Maas.Hosting.Errors.MaasErrorFilter" && l.Id.Id == 1001).ToList();
            Assert.InRange(outageLines.Count, 1, 2);
            Assert.Equal(outageLines.Count, outageLines.Select(l => l.GetStructuredStateValue("Reason")).Distinct().Count());
            Assert.Contains(outageLines, l => l.Message.Contains("the disk is full", StringComparison.Ordinal));

            // Reads keep working from what is committed.
            using (var listing = await alice.GetAsync("/v1/api-keys"))
            {
                Assert.Equal(HttpStatusCode.OK, listing.StatusCode);
            }

            File.Delete(filler);
            using var after = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"after"}"""));
            Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        }
        finally
        {
            await RunAsync("umount", "-l", mountPoint);
            Directory.Delete(mountPoint);
        }
    }

    private static void FillDisk(string path)
    {
        var block = new byte[64 * 1024];
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        try
        {
            while (true)
            {
                file.Write(block);
            }
        }
        catch (IOException)
        {
            // Full: now write what still fits, byte by byte in smaller pieces.
        }

        foreach (var size in new[] { 4096, 512, 1 })
        {
            try
            {
                while (true)
                {
                    file.Write(block, 0, size);
                }
            }
            catch (IOException)
            {
                // This size no longer fits.
            }
        }
    }

    private static async Task RunAsync(string command, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{command} failed: {error}");
    }
}
