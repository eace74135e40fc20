using System.Diagnostics;
using System.Reflection;
using Maas.Testing;
using Microsoft.Data.Sqlite;

namespace Maas.Storage.Sqlite.Tests;

/// <summary>
/// Acknowledged means durable: a child process writes keys from several threads and prints
/// each id once <c>AddAsync</c> has returned; it is killed with SIGKILL mid-stream, and every
/// printed id must be in the reopened, uncorrupted file.
/// </summary>
public sealed class CrashSafetyTests : IDisposable
{
    private const int Threads = 6;
    private const int AcknowledgementsBeforeKill = 400;
    private readonly TemporaryDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Every_acknowledged_key_survives_sigkill_without_corruption()
    {
        var path = _folder.Combine("crash", "maas-api.db");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var acknowledged = new List<(string Owner, string Id)>();

        using (var child = StartWriter(path))
        {
            try
            {
                while (acknowledged.Count < AcknowledgementsBeforeKill)
                {
                    var line = await child.StandardOutput.ReadLineAsync(timeout.Token)
                        ?? throw new InvalidOperationException(
                            $"The crash writer exited early ({acknowledged.Count} acknowledgements): {await child.StandardError.ReadToEndAsync(timeout.Token)}");
                    Collect(line, acknowledged);
                }
            }
            finally
            {
                child.Kill(); // SIGKILL on Unix: no finalizers, no flush, no checkpoint.
            }

            // Lines already in the pipe were printed after their write returned: they count too.
            // A line cut by the kill has no newline and is not a whole acknowledgement.
            var rest = await child.StandardOutput.ReadToEndAsync(timeout.Token);
            var lines = rest.Split('\n');
            foreach (var line in lines.Take(lines.Length - 1))
            {
                Collect(line, acknowledged);
            }

            await child.WaitForExitAsync(timeout.Token);
            Assert.NotEqual(0, child.ExitCode);
        }

        Assert.True(File.Exists(path + "-wal"), "the kill left the WAL behind, as a crash does");
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            connection.Open();
            using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", check.ExecuteScalar());
        }

        await using var store = await SqliteStorage.OpenKeyStoreAsync(new SqliteKeyStoreOptions { DataPath = path }) as SqliteKeyStore;
        Assert.NotNull(store);
        var missing = new List<string>();
        foreach (var (owner, id) in acknowledged)
        {
            if (await store.GetAsync(owner, id) is null)
            {
                missing.Add(id);
            }
        }

        Assert.True(acknowledged.Count >= AcknowledgementsBeforeKill);
        Assert.Empty(missing);
    }

    private static void Collect(string line, List<(string Owner, string Id)> acknowledged)
    {
        var parts = line.Split(' ');
        if (parts is ["ack", var owner, var id])
        {
            acknowledged.Add((owner, id));
        }
    }

    private static Process StartWriter(string path)
    {
        var writer = typeof(CrashSafetyTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "CrashWriterPath").Value!;
        Assert.True(File.Exists(writer), $"The crash writer was not built at '{writer}'.");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(writer);
        start.ArgumentList.Add(path);
        start.ArgumentList.Add(Threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Process.Start(start) ?? throw new InvalidOperationException("The crash writer did not start.");
    }
}
