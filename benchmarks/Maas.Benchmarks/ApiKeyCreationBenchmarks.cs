using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Maas.ApiKeys;
using Maas.Storage.InMemory;
using Maas.Storage.PostgreSql;
using Maas.Testing;
using Npgsql;

namespace Maas.Benchmarks;

/// <summary>
/// Creating an API key per store: generation (random bits, base62, CRC-32, SHA-256) plus one
/// durable write. The <c>disk</c> (SQLite) store commits with <c>synchronous=FULL</c>, so every
/// acknowledged key has been fsynced; so does the <c>external</c> (PostgreSQL) store, on a throwaway
/// server (<see cref="PostgreSqlServer"/>) switched back to <c>fsync</c> and <c>synchronous_commit</c>
/// on. The floor is the cryptography alone: 44 random bytes and one SHA-256. One caller at a time:
/// these are latencies; throughput under concurrency is for benchmarks/load.
/// </summary>
[MemoryDiagnoser]
public class ApiKeyCreationBenchmarks
{
    private static readonly ApiKeyRequest Request = new() { Name = "benchmark key", Description = "created by ApiKeyCreationBenchmarks" };
    private readonly byte[] _random = new byte[44];
    private readonly byte[] _hash = new byte[SHA256.HashSizeInBytes];
    private MaasSubjects _inMemory = null!;
    private MaasSubjects _disk = null!;
    private ScratchFolder _folder = null!;
    private PostgreSqlServer? _server;
    private NpgsqlDataSource? _dataSource;
    private MaasSubjects? _external;

    [GlobalSetup]
    public async Task Setup()
    {
        _inMemory = new MaasSubjects(InMemoryStorage.CreateKeyStore());
        (var store, _folder) = await MaasSubjects.OpenSqliteAsync();
        _disk = new MaasSubjects(store);
    }

    [GlobalSetup(Target = nameof(CreateApiKey_PostgreSql))]
    public async Task SetupPostgreSql()
    {
        await Setup();
        _server = new PostgreSqlServer();
        await _server.InitializeAsync();
        var database = await _server.CreateDatabaseAsync();

        // The test server trades durability for speed; a benchmark of acknowledged writes must not.
        await using (var admin = new NpgsqlConnection(database))
        {
            await admin.OpenAsync();
            await using var command = new NpgsqlCommand(
                "ALTER SYSTEM SET fsync = on; ALTER SYSTEM SET synchronous_commit = on; ALTER SYSTEM SET full_page_writes = on; SELECT pg_reload_conf();",
                admin);
            await command.ExecuteNonQueryAsync();
        }

        var url = _server.ConnectionUrl(new NpgsqlConnectionStringBuilder(database).Database!);
        _dataSource = PostgreSqlDataSourceFactory.Create(new PostgreSqlStorageOptions { ConnectionUrl = url });
        var external = new PostgreSqlKeyStore(_dataSource);
        await external.InitializeAsync();
        _external = new MaasSubjects(external);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await MaasSubjects.DisposeStoreAsync(_disk.Store);
        _disk.Dispose();
        _inMemory.Dispose();
        _folder.Dispose();
        _external?.Dispose();
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>The physical floor: the random bits of a key id and secret, and one SHA-256.</summary>
    [Benchmark(Baseline = true)]
    public byte[] RandomBitsAndSha256()
    {
        RandomNumberGenerator.Fill(_random);
        SHA256.HashData(_random, _hash);
        return _hash;
    }

    /// <summary>Key generation alone: random bits, base62, CRC-32 check, SHA-256, strings.</summary>
    [Benchmark]
    public string ApiKeyFormat_Generate() => ApiKeyFormat.Generate().Key;

    /// <summary>What <c>POST /v1/api-keys</c> calls on <c>--storage in-memory</c>: validation, tier, generation, the store write.</summary>
    [Benchmark]
    public ValueTask<CreatedApiKey> CreateApiKey_InMemory() => _inMemory.ApiKeys.CreateAsync(MaasSubjects.User, Request);

    /// <summary>The same on <c>--storage disk</c>: one SQLite transaction fsynced before it returns.</summary>
    [Benchmark]
    public ValueTask<CreatedApiKey> CreateApiKey_Disk() => _disk.ApiKeys.CreateAsync(MaasSubjects.User, Request);

    /// <summary>The same on <c>--storage external</c>: one INSERT committed (WAL flushed) on a local PostgreSQL.</summary>
    [Benchmark]
    public ValueTask<CreatedApiKey> CreateApiKey_PostgreSql() => _external!.ApiKeys.CreateAsync(MaasSubjects.User, Request);
}
