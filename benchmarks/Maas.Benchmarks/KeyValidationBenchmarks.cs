using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Maas.ApiKeys;
using Maas.Storage.InMemory;
using Maas.Validation;

namespace Maas.Benchmarks;

/// <summary>
/// Validating a presented API key (what a gateway asks on every LLM request). The in-memory store
/// holds <see cref="KeyCount"/> keys of as many owners. The floor is one SHA-256 of the key plus one
/// lookup in a dictionary of as many hashes; targets: a valid, cached key under 1 µs, and made-up
/// keys refused without touching the store.
/// </summary>
[MemoryDiagnoser]
public class KeyValidationBenchmarks
{
    /// <summary>How many keys each store holds.</summary>
    public const int KeyCount = 10_000;

    private readonly Dictionary<byte[], string> _byHash = new(ByteKeyComparer.Instance);
    private Dictionary<byte[], string>.AlternateLookup<ReadOnlySpan<byte>> _byHashSpan;
    private MaasSubjects _inMemory = null!;
    private MaasSubjects _disk = null!;
    private MaasSubjects _untouchable = null!;
    private ScratchFolder _folder = null!;
    private string _validKey = null!;
    private string _validDiskKey = null!;
    private string _madeUpKey = null!;
    private string _unknownKey = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _inMemory = new MaasSubjects(InMemoryStorage.CreateKeyStore());
        (var store, _folder) = await MaasSubjects.OpenSqliteAsync();
        _disk = new MaasSubjects(store);
        _untouchable = new MaasSubjects(new UntouchableKeyStore());

        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < KeyCount; i++)
        {
            var generated = ApiKeyFormat.Generate();
            var record = new ApiKeyRecord
            {
                Id = generated.KeyId,
                Owner = "user-" + i,
                OwnerGroups = MaasSubjects.User.Groups,
                Name = "key " + i,
                Hash = generated.Hash,
                CreatedAt = now,
                ExpiresAt = now.AddDays(30),
            };
            await _inMemory.Store.AddAsync(record);
            _byHash.Add(SHA256.HashData(Encoding.ASCII.GetBytes(generated.Key)), generated.KeyId);
            _validKey = generated.Key;
        }

        _byHashSpan = _byHash.GetAlternateLookup<ReadOnlySpan<byte>>();

        // The disk store is filled through the service, one committed transaction a key.
        var request = new ApiKeyRequest { Name = "benchmark key" };
        for (var i = 0; i < 100; i++)
        {
            _validDiskKey = (await _disk.ApiKeys.CreateAsync(MaasSubjects.User, request)).Key;
        }

        // Same shape, one digit changed: the checksum no longer matches.
        var digit = _validKey[20] == 'a' ? 'b' : 'a';
        _madeUpKey = string.Concat(_validKey.AsSpan(0, 20), digit.ToString(), _validKey.AsSpan(21));
        _unknownKey = ApiKeyFormat.Generate().Key;

        await Expect(_inMemory, _validKey, ValidationFailure.None);
        await Expect(_disk, _validDiskKey, ValidationFailure.None);
        await Expect(_untouchable, _madeUpKey, ValidationFailure.Malformed);
        await Expect(_inMemory, _unknownKey, ValidationFailure.Unknown);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await MaasSubjects.DisposeStoreAsync(_disk.Store);
        _disk.Dispose();
        _inMemory.Dispose();
        _untouchable.Dispose();
        _folder.Dispose();
    }

    /// <summary>The physical floor: SHA-256 of the 75-character key and one dictionary probe.</summary>
    [Benchmark(Baseline = true)]
    public bool Sha256AndDictionaryLookup()
    {
        Span<byte> input = stackalloc byte[ApiKeyFormat.Length];
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var length = Encoding.ASCII.GetBytes(_validKey, input);
        SHA256.HashData(input[..length], hash);
        return _byHashSpan.TryGetValue(hash, out _);
    }

    /// <summary>Format checks, CRC-32 and SHA-256, without any lookup.</summary>
    [Benchmark]
    public bool ApiKeyFormat_TryParse()
    {
        Span<byte> hash = stackalloc byte[ApiKeyFormat.HashLength];
        return ApiKeyFormat.TryParse(_validKey, out _, hash, out _);
    }

    /// <summary>A valid key whose answer the validator has cached (the steady state of a gateway).</summary>
    [Benchmark]
    public ValueTask<CredentialValidation> ValidKey_Cached() => _inMemory.Validator.ValidateAsync(_validKey, CancellationToken.None);

    /// <summary>A valid key with the validator's caches emptied first: the in-memory store is asked.</summary>
    [Benchmark]
    public ValueTask<CredentialValidation> ValidKey_Uncached_InMemory()
    {
        ClearCaches(_inMemory);
        return _inMemory.Validator.ValidateAsync(_validKey, CancellationToken.None);
    }

    /// <summary>A valid key with the caches emptied first: two indexed SQLite reads (the record, the owner's revoked-before).</summary>
    [Benchmark]
    public ValueTask<CredentialValidation> ValidKey_Uncached_Disk()
    {
        ClearCaches(_disk);
        return _disk.Validator.ValidateAsync(_validDiskKey, CancellationToken.None);
    }

    /// <summary>A made-up key (checksum mismatch) against a store that throws if touched.</summary>
    [Benchmark]
    public ValueTask<CredentialValidation> MadeUpKey_NoStore() => _untouchable.Validator.ValidateAsync(_madeUpKey, CancellationToken.None);

    /// <summary>A well-formed key that was never issued, its "unknown" answer cached.</summary>
    [Benchmark]
    public ValueTask<CredentialValidation> UnknownKey_Cached() => _inMemory.Validator.ValidateAsync(_unknownKey, CancellationToken.None);

    // Emptying costs a little on its own; it is part of the uncached numbers.
    private static void ClearCaches(MaasSubjects maas)
    {
        maas.Validator.Cache.Keys.Clear();
        maas.Validator.Cache.Owners.Clear();
    }

    private static async Task Expect(MaasSubjects maas, string key, ValidationFailure expected)
    {
        var result = await maas.Validator.ValidateAsync(key, CancellationToken.None);
        if (result.Failure != expected)
        {
            throw new InvalidOperationException($"Expected {expected}, got {result.Failure}.");
        }
    }
}
