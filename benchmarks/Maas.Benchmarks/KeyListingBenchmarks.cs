using BenchmarkDotNet.Attributes;
using Maas.ApiKeys;
using Maas.Storage.InMemory;

namespace Maas.Benchmarks;

/// <summary>
/// Listing one owner's keys (<c>GET /v1/api-keys</c>) with <see cref="Keys"/> keys. The floor is
/// materializing as many records already in memory into a list.
/// </summary>
[MemoryDiagnoser]
public class KeyListingBenchmarks
{
    private MaasSubjects _inMemory = null!;
    private MaasSubjects _disk = null!;
    private ScratchFolder _folder = null!;
    private ApiKeyRecord[] _records = null!;

    /// <summary>How many keys the owner holds.</summary>
    [Params(10, 1_000)]
    public int Keys { get; set; } = 10;

    [GlobalSetup]
    public async Task Setup()
    {
        _inMemory = new MaasSubjects(InMemoryStorage.CreateKeyStore());
        (var store, _folder) = await MaasSubjects.OpenSqliteAsync();
        _disk = new MaasSubjects(store);
        var now = DateTimeOffset.UtcNow;
        _records = new ApiKeyRecord[Keys];
        for (var i = 0; i < Keys; i++)
        {
            var generated = ApiKeyFormat.Generate();
            _records[i] = new ApiKeyRecord
            {
                Id = generated.KeyId,
                Owner = MaasSubjects.User.Name,
                OwnerGroups = MaasSubjects.User.Groups,
                Name = "key " + i,
                Description = "benchmark key number " + i,
                Hash = generated.Hash,
                CreatedAt = now.AddSeconds(-i),
                ExpiresAt = now.AddDays(30),
            };
            await _inMemory.Store.AddAsync(_records[i]);
        }

        await LoadDiskAsync(_disk.Store, _records);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await MaasSubjects.DisposeStoreAsync(_disk.Store);
        _disk.Dispose();
        _inMemory.Dispose();
        _folder.Dispose();
    }

    /// <summary>The floor: copying the records into a list.</summary>
    [Benchmark(Baseline = true)]
    public List<ApiKeyRecord> CopyRecordsToList() => [.. _records];

    /// <summary>The in-memory store through the service.</summary>
    [Benchmark]
    public ValueTask<IReadOnlyList<ApiKeyRecord>> ListApiKeys_InMemory() => _inMemory.ApiKeys.ListAsync(MaasSubjects.User);

    /// <summary>The SQLite store through the service: one indexed query.</summary>
    [Benchmark]
    public ValueTask<IReadOnlyList<ApiKeyRecord>> ListApiKeys_Disk() => _disk.ApiKeys.ListAsync(MaasSubjects.User);

    // One fsynced transaction a key would make the 1,000-key setup slow; run them in parallel
    // batches so the store's writer can commit them back to back.
    private static async Task LoadDiskAsync(IKeyStore store, ApiKeyRecord[] records)
    {
        const int Batch = 50;
        for (var start = 0; start < records.Length; start += Batch)
        {
            var tasks = new List<Task>(Batch);
            for (var i = start; i < Math.Min(start + Batch, records.Length); i++)
            {
                tasks.Add(store.AddAsync(records[i]).AsTask());
            }

            await Task.WhenAll(tasks);
        }
    }
}
