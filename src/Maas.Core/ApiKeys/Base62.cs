using System.Buffers;
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
        Span<byte> work = stackalloc byte[value.Length];
        value.CopyTo(work);
        try
        {
            for (var i = destination.Length - 1; i >= 0; i--)
            {
                var remainder = 0;
                for (var j = 0; j < work.Length; j++)
                {
                    var accumulator = (remainder << 8) | work[j];
                    work[j] = (byte)(accumulator / 62);
                    remainder = accumulator % 62;
                }

                destination[i] = Alphabet[remainder];
            }

            if (work.ContainsAnyExcept((byte)0))
            {
                throw new ArgumentException("The value does not fit in the requested number of base62 digits.", nameof(destination));
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(work);
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
