using System.Globalization;
using Npgsql;

namespace Maas.Benchmarks.Scale;

/// <summary>
/// What the server saw of each measured operation: the mean and maximum execution time of its
/// statement (pg_stat_statements, reset when the operation starts) and how many checkpoints started
/// meanwhile, so a client-side tail can be told apart from the statement's own cost. Without the
/// extension (a <c>--postgres</c> server that does not preload it) those columns say "-".
/// </summary>
internal sealed class ServerStatements
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _statements;
    private readonly Dictionary<LatencySamples, (long Calls, double Mean, double Max, double Reads, double ReadMilliseconds, double WalKilobytes, long FullPageImages, long? Checkpoints)> _seen = [];
    private ((LatencySamples Samples, string Pattern)[] Measured, long? Checkpoints)? _current;

    private ServerStatements(NpgsqlDataSource dataSource, bool statements)
    {
        _dataSource = dataSource;
        _statements = statements;
    }

    public static async Task<ServerStatements> CreateAsync(NpgsqlDataSource dataSource)
    {
        try
        {
            await using var create = dataSource.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            await create.ExecuteNonQueryAsync();
            await using var probe = dataSource.CreateCommand("SELECT count(*) FROM pg_stat_statements");
            await probe.ExecuteScalarAsync();
            return new ServerStatements(dataSource, statements: true);
        }
        catch (PostgresException ex)
        {
            Console.Error.WriteLine($"pg_stat_statements is not available ({ex.MessageText}): the server columns stay empty.");
            return new ServerStatements(dataSource, statements: false);
        }
    }

    /// <summary>Starts counting for <paramref name="samples"/>, whose statements match the regular expression <paramref name="pattern"/>.</summary>
    public Task StartAsync(LatencySamples samples, string pattern) => StartAsync([(samples, pattern)]);

    /// <summary>Starts counting for operations measured at the same time, each with a regular expression its statements match.</summary>
    public async Task StartAsync((LatencySamples Samples, string Pattern)[] measured)
    {
        if (_statements)
        {
            await using var reset = _dataSource.CreateCommand("SELECT pg_stat_statements_reset()");
            await reset.ExecuteNonQueryAsync();
        }

        _current = (measured, await CheckpointsAsync());
    }

    public async Task StopAsync()
    {
        var (measured, checkpointsBefore) = _current ?? throw new InvalidOperationException("Nothing is being counted.");
        _current = null;
        var checkpointsAfter = await CheckpointsAsync();
        foreach (var (samples, pattern) in measured)
        {
            long calls = 0, fullPageImages = 0;
            double mean = double.NaN, max = double.NaN, reads = double.NaN, readMilliseconds = double.NaN, walKilobytes = double.NaN;
            if (_statements)
            {
                await using var command = _dataSource.CreateCommand(
                    "SELECT coalesce(sum(calls), 0)::bigint, sum(total_exec_time) / nullif(sum(calls), 0), max(max_exec_time), coalesce(sum(wal_bytes), 0)::float8 / 1024, coalesce(sum(wal_fpi), 0)::bigint, coalesce(sum(shared_blks_read), 0)::float8, coalesce(sum(blk_read_time), 0) FROM pg_stat_statements WHERE query ~ $1");
                command.Parameters.AddWithValue(pattern);
                await using var reader = await command.ExecuteReaderAsync();
                await reader.ReadAsync();
                calls = reader.GetInt64(0);
                mean = reader.IsDBNull(1) ? double.NaN : reader.GetDouble(1);
                max = reader.IsDBNull(2) ? double.NaN : reader.GetDouble(2);
                walKilobytes = reader.GetDouble(3) / Math.Max(calls, 1);
                fullPageImages = reader.GetInt64(4);
                reads = reader.GetDouble(5) / Math.Max(calls, 1);
                readMilliseconds = reader.GetDouble(6) / Math.Max(calls, 1);
            }

            _seen[samples] = (calls, mean, max, reads, readMilliseconds, walKilobytes, fullPageImages, checkpointsAfter - checkpointsBefore);
        }
    }

    /// <summary>
    /// A markdown row: name, count, client p50, p99, max, server mean and max, blocks read from
    /// outside shared buffers per call (and the time reading them, with track_io_timing), WAL per call (kB) and
    /// the full-page images in it (a page's first change after a checkpoint), checkpoints started, target.
    /// </summary>
    public string Row(LatencySamples samples, string target)
    {
        var server = _seen.TryGetValue(samples, out var seen)
            ? string.Create(CultureInfo.InvariantCulture, $"{Number(seen.Mean)} | {Number(seen.Max)} | {(_statements ? $"{seen.Reads:F1} ({seen.ReadMilliseconds:F3})" : "-")} | {(_statements ? $"{seen.WalKilobytes:F0} ({seen.FullPageImages:N0})" : "-")} | {(seen.Checkpoints is { } c ? c.ToString(CultureInfo.InvariantCulture) : "-")}")
            : "- | - | - | - | -";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"| {samples.Name} | {samples.Count:N0} | {samples.Percentile(50):F3} | {samples.Percentile(99):F3} | {samples.Percentile(100):F3} | {server} | {target} |");
    }

    private static string Number(double value) => double.IsNaN(value) ? "-" : value.ToString("F3", CultureInfo.InvariantCulture);

    private async Task<long?> CheckpointsAsync()
    {
        try
        {
            await using var command = _dataSource.CreateCommand("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter");
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (PostgresException)
        {
            // PostgreSQL 17 moved the counts to pg_stat_checkpointer.
            await using var command = _dataSource.CreateCommand("SELECT num_timed + num_requested FROM pg_stat_checkpointer");
            return (long)(await command.ExecuteScalarAsync())!;
        }
    }
}
