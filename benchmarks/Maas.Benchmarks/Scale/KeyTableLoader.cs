using System.Diagnostics;
using Maas.ApiKeys;
using Npgsql;
using NpgsqlTypes;

namespace Maas.Benchmarks.Scale;

/// <summary>
/// Fills the external store's <c>api_keys</c> table with COPY (binary): real generated keys, owned by
/// users of ten keys each and one owner of many, with the secrets of every thousandth key kept so
/// they can be presented; what a store of that size looks like after years of use.
/// </summary>
internal static class KeyTableLoader
{
    /// <summary>The owner of <see cref="HeavyOwnerKeys"/> keys, whose deep pages the search measures.</summary>
    public const string HeavyOwner = "heavy-owner@example.com";

    public const int HeavyOwnerKeys = 100_000;

    public const int KeysPerOwner = 10;

    public const int SampleEvery = 1_000;

    private static readonly string[] Groups = ["system:authenticated", "premium-group"];

    /// <summary>Loads <paramref name="count"/> keys; returns the kept keys (presentable) and how long the COPY took.</summary>
    public static async Task<(IReadOnlyList<GeneratedApiKey> Sample, TimeSpan Elapsed)> LoadAsync(NpgsqlDataSource dataSource, long count, DateTimeOffset now, Action<long> progress)
    {
        var sample = new List<GeneratedApiKey>();
        var started = Stopwatch.GetTimestamp();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY api_keys (id, owner, owner_groups, name, description, hash, created_at, expires_at) FROM STDIN (FORMAT BINARY)"))
        {
            for (long i = 0; i < count; i++)
            {
                var key = ApiKeyFormat.Generate();
                if (i % SampleEvery == 0)
                {
                    sample.Add(key);
                }

                var owner = i < HeavyOwnerKeys ? HeavyOwner : $"user-{i / KeysPerOwner}@example.com";
                // Created over the last three years, one key every few seconds, microsecond-exact as the store keeps them.
                var created = now.AddSeconds(-(count - i) * 9.0);
                created = new DateTimeOffset(created.UtcTicks - (created.UtcTicks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
                await writer.StartRowAsync();
                await writer.WriteAsync(key.KeyId, NpgsqlDbType.Text);
                await writer.WriteAsync(owner, NpgsqlDbType.Text);
                await writer.WriteAsync(Groups, NpgsqlDbType.Array | NpgsqlDbType.Text);
                await writer.WriteAsync("key " + (i % 97).ToString(System.Globalization.CultureInfo.InvariantCulture), NpgsqlDbType.Text);
                await writer.WriteNullAsync();
                await writer.WriteAsync(key.Hash, NpgsqlDbType.Bytea);
                await writer.WriteAsync(created, NpgsqlDbType.TimestampTz);
                await writer.WriteAsync(created.AddYears(5), NpgsqlDbType.TimestampTz);
                if ((i + 1) % 1_000_000 == 0)
                {
                    progress(i + 1);
                }
            }

            await writer.CompleteAsync();
        }

        return (sample, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Brings the freshly copied table to the state of a store in use, and says how long it took:
    /// vacuumed (hint bits and visibility map set, statistics current) and checkpointed. Left to
    /// autovacuum, the one-off vacuum of 10 million new rows and the checkpoints writing what it
    /// dirtied run through the measurements and are counted against whatever they meet.
    /// </summary>
    public static async Task<TimeSpan> SettleAsync(NpgsqlDataSource dataSource)
    {
        var started = Stopwatch.GetTimestamp();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var vacuum = new NpgsqlCommand("VACUUM (ANALYZE) api_keys", connection) { CommandTimeout = 0 })
        {
            await vacuum.ExecuteNonQueryAsync();
        }

        await using (var checkpoint = new NpgsqlCommand("CHECKPOINT", connection) { CommandTimeout = 0 })
        {
            await checkpoint.ExecuteNonQueryAsync();
        }

        return Stopwatch.GetElapsedTime(started);
    }
}
