using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Maas.ApiKeys;

/// <summary>
/// Fixed-width base62 (<c>0-9A-Za-z</c>) of big-endian unsigned integers: the digits of an
/// API key. Works on spans only and wipes its scratch space, since it handles secrets.
/// </summary>
internal static class Base62
{
    /// <summary>The digits, in value order.</summary>
    public const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private const int MaxValueLength = 64;
    private const int DigitsPerChunk = 5;

    // 62^0 .. 62^5; 62^5 = 916,132,832 fits in 32 bits.
    private static readonly ulong[] s_powers = [1, 62, 3_844, 238_328, 14_776_336, 916_132_832];

    /// <summary>Gets the base62 digits, for fast validation.</summary>
    public static SearchValues<char> Digits { get; } = SearchValues.Create(Alphabet);

    /// <summary>
    /// Writes <paramref name="value"/> (big-endian, unsigned) as exactly <paramref name="destination"/>.Length
    /// digits, most significant first, padded with <c>0</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The value does not fit in that many digits, or is longer than 64 bytes.</exception>
    public static void Encode(ReadOnlySpan<byte> value, Span<char> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value.Length, MaxValueLength, nameof(value));

        // The value as big-endian 32-bit limbs, divided by 62^5 (< 2^32) per pass: five digits for
        // one 64-by-32-bit division per limb, instead of one byte-wise long division per digit.
        Span<uint> limbs = stackalloc uint[(value.Length + 3) / 4];
        try
        {
            var offset = (limbs.Length * 4) - value.Length;
            for (var i = 0; i < value.Length; i++)
            {
                var position = offset + i;
                limbs[position / 4] |= (uint)value[i] << (8 * (3 - (position % 4)));
            }

            for (var end = destination.Length; end > 0;)
            {
                var count = Math.Min(DigitsPerChunk, end);
                var divisor = s_powers[count];
                ulong remainder = 0;
                for (var j = 0; j < limbs.Length; j++)
                {
                    var accumulator = (remainder << 32) | limbs[j];
                    limbs[j] = (uint)(accumulator / divisor);
                    remainder = accumulator % divisor;
                }

                var chunk = (uint)remainder;
                for (var k = 1; k <= count; k++)
                {
                    destination[end - k] = Alphabet[(int)(chunk % 62)];
                    chunk /= 62;
                }

                end -= count;
            }

            if (limbs.ContainsAnyExcept(0u))
            {
                throw new ArgumentException("The value does not fit in the requested number of base62 digits.", nameof(destination));
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(limbs));
        }
    }

    /// <summary>
    /// Reads <paramref name="digits"/> into <paramref name="value"/> (big-endian, unsigned, the
    /// whole span). Returns <see langword="false"/> for a character outside the alphabet or a
    /// value that does not fit; never throws.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> digits, Span<byte> value)
    {
        value.Clear();
        foreach (var c in digits)
        {
            var carry = DigitValue(c);
            if (carry < 0)
            {
                value.Clear();
                return false;
            }

            for (var j = value.Length - 1; j >= 0; j--)
            {
                var accumulator = (value[j] * 62) + carry;
                value[j] = (byte)accumulator;
                carry = accumulator >> 8;
            }

            if (carry != 0)
            {
                value.Clear();
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Returns the <paramref name="digitCount"/> digits of the largest value <paramref name="byteCount"/>
    /// bytes hold (all bits set), for <see cref="IsAtMost"/>.
    /// </summary>
    /// <exception cref="ArgumentException">That value does not fit in <paramref name="digitCount"/> digits.</exception>
    public static string MaxDigits(int byteCount, int digitCount)
    {
        Span<byte> max = stackalloc byte[byteCount];
        max.Fill(0xFF);
        Span<char> digits = stackalloc char[digitCount];
        Encode(max, digits);
        return new string(digits);
    }

    /// <summary>
    /// Whether <paramref name="digits"/>, all in the alphabet, spell a value no greater than
    /// <paramref name="max"/> of the same width. The alphabet is in ordinal order, so fixed-width
    /// digits sort as their values: one ordinal comparison instead of a big-number decode.
    /// </summary>
    public static bool IsAtMost(ReadOnlySpan<char> digits, ReadOnlySpan<char> max) =>
        digits.Length == max.Length && digits.SequenceCompareTo(max) <= 0;

    /// <summary>Returns the value of a digit, or -1 when <paramref name="c"/> is not one.</summary>
    public static int DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'Z' => c - 'A' + 10,
        >= 'a' and <= 'z' => c - 'a' + 36,
        _ => -1,
    };
}
