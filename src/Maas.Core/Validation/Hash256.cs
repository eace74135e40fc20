using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Maas.Validation;

/// <summary>
/// A SHA-256 digest as a value, the key of the validation caches: the stored hash of an API key,
/// or the hash of a token. Equality compares all 32 bytes.
/// </summary>
internal readonly struct Hash256 : IEquatable<Hash256>
{
    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    public Hash256(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != SHA256.HashSizeInBytes)
        {
            throw new ArgumentException("A SHA-256 digest is 32 bytes.", nameof(digest));
        }

        _a = BinaryPrimitives.ReadUInt64LittleEndian(digest);
        _b = BinaryPrimitives.ReadUInt64LittleEndian(digest[8..]);
        _c = BinaryPrimitives.ReadUInt64LittleEndian(digest[16..]);
        _d = BinaryPrimitives.ReadUInt64LittleEndian(digest[24..]);
    }

    public bool Equals(Hash256 other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    public override bool Equals(object? obj) => obj is Hash256 other && Equals(other);

    // The digest is uniformly distributed and no caller chooses it: any of its bits hash well.
    public override int GetHashCode() => (int)_a ^ (int)(_a >> 32);

    public static bool operator ==(Hash256 left, Hash256 right) => left.Equals(right);

    public static bool operator !=(Hash256 left, Hash256 right) => !left.Equals(right);
}
