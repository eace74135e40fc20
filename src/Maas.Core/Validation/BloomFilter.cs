using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Maas.Validation;

/// <summary>
/// A Bloom filter over 256-bit key hashes, sized for <see cref="Capacity"/> members at a 1% false
/// positive rate: 9.6 bits and 7 probes per member (m = −n·ln p / ln²2, k = m/n·ln 2). It never
/// answers "absent" for a member. Adds are lock-free (<see cref="Interlocked.Or(ref long, long)"/>)
/// and reads take no lock.
/// </summary>
/// <remarks>
/// The probes come from the first 16 bytes of the key's SHA-256 hash by double hashing
/// (h1 + i·h2), each half first mixed with a random per-process multiplier, so which made-up
/// keys pass cannot be computed offline even by someone who knew every real hash. An attacker
/// chooses the key but not its hash: the key's secret goes through SHA-256 first.
/// </remarks>
internal sealed class BloomFilter
{
    /// <summary>Bits per member for a 1% false positive rate.</summary>
    private const double BitsPerMember = 9.585;
    private const int Probes = 7;

    private static readonly ulong s_seed1 = RandomSeed();
    private static readonly ulong s_seed2 = RandomSeed();

    private readonly long[] _words;
    private readonly ulong _bits;
    private int _count;

    public BloomFilter(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        var words = (long)Math.Ceiling(capacity * BitsPerMember / 64);
        _words = new long[words];
        _bits = (ulong)words * 64;
    }

    /// <summary>Gets how many members the filter is sized for; beyond it the false positive rate climbs.</summary>
    public int Capacity { get; }

    /// <summary>Gets how many times <see cref="Add"/> was called.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Gets the size of the bit array in bytes.</summary>
    public long SizeInBytes => _words.LongLength * sizeof(long);

    public void Add(ReadOnlySpan<byte> hash)
    {
        var (h1, h2) = Split(hash);
        for (var i = 0UL; i < Probes; i++)
        {
            var bit = Index(h1 + (i * h2));
            Interlocked.Or(ref _words[bit >> 6], 1L << (int)(bit & 63));
        }

        Interlocked.Increment(ref _count);
    }

    public bool MayContain(ReadOnlySpan<byte> hash)
    {
        var (h1, h2) = Split(hash);
        for (var i = 0UL; i < Probes; i++)
        {
            var bit = Index(h1 + (i * h2));
            if ((Volatile.Read(ref _words[bit >> 6]) & (1L << (int)(bit & 63))) == 0)
            {
                return false;
            }
        }

        return true;
    }

    // Maps a 64-bit value onto [0, bits) without a division (Lemire's multiply-shift).
    private ulong Index(ulong value) => (ulong)(((UInt128)value * _bits) >> 64);

    private static (ulong H1, ulong H2) Split(ReadOnlySpan<byte> hash)
    {
        if (hash.Length < 16)
        {
            throw new ArgumentException("A key hash has at least 16 bytes.", nameof(hash));
        }

        var h1 = Mix(BinaryPrimitives.ReadUInt64LittleEndian(hash) ^ s_seed1);
        var h2 = Mix(BinaryPrimitives.ReadUInt64LittleEndian(hash[8..]) ^ s_seed2) | 1;
        return (h1, h2);
    }

    // The finalizer of SplitMix64: every input bit affects every output bit.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RandomSeed()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }
}
