using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Maas.ApiKeys;
using Maas.Storage.InMemory;

namespace Maas.Benchmarks;

/// <summary>
/// Creating an API key per store: generation (random bits, base62, CRC-32, SHA-256) plus one
/// durable write. The <c>disk</c> (SQLite) store commits with <c>synchronous=FULL</c>, so every
/// acknowledged key has been fsynced. The floor is the cryptography alone: 44 random bytes and one SHA-256.
/// PostgreSQL (<c>external</c>) is not measured yet: that store is not in this build.
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

    [GlobalSetup]
    public async Task Setup()
    {
        _inMemory = new MaasSubjects(InMemoryStorage.CreateKeyStore());
        (var store, _folder) = await MaasSubjects.OpenSqliteAsync();
        _disk = new MaasSubjects(store);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await MaasSubjects.DisposeStoreAsync(_disk.Store);
        _disk.Dispose();
        _inMemory.Dispose();
        _folder.Dispose();
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
    public ValueTask<CreatedApiKey> CreateApiKey_InMemory() => _inMemory.Service.CreateApiKeyAsync(MaasSubjects.User, Request);

    /// <summary>The same on <c>--storage disk</c>: one SQLite transaction fsynced before it returns.</summary>
    [Benchmark]
    public ValueTask<CreatedApiKey> CreateApiKey_Disk() => _disk.Service.CreateApiKeyAsync(MaasSubjects.User, Request);
}
