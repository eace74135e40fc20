using System.Numerics;
using Maas.ApiKeys;

namespace Maas.Core.Tests.ApiKeys;

public sealed class Base62Tests
{
    [Theory]
    [InlineData(12, 17, "1f2SI9UJPXvb7vdJ1")]
    [InlineData(32, 43, "yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp1")]
    [InlineData(4, 6, "4gfFC3")]
    public void Largest_values_fit_the_fixed_widths(int bytes, int digits, string expected)
    {
        var value = Enumerable.Repeat((byte)0xFF, bytes).ToArray();
        var text = new char[digits];

        Base62.Encode(value, text);

        Assert.Equal(expected, new string(text));
    }

    [Fact]
    public void Zero_is_all_zero_digits()
    {
        var text = new char[17];

        Base62.Encode(new byte[12], text);

        Assert.Equal(new string('0', 17), new string(text));
    }

    [Fact]
    public void Encodes_like_a_big_integer_reference_and_decodes_back()
    {
        var random = new Random(62);
        for (var i = 0; i < 500; i++)
        {
            var value = new byte[32];
            random.NextBytes(value);
            var text = new char[43];

            Base62.Encode(value, text);

            Assert.Equal(Reference(value, 43), new string(text));
            var decoded = new byte[32];
            Assert.True(Base62.TryDecode(text, decoded));
            Assert.Equal(value, decoded);
        }
    }

    [Fact]
    public void Encodes_every_length_and_width_like_the_reference()
    {
        var random = new Random(4);
        for (var length = 0; length <= 64; length++)
        {
            for (var i = 0; i < 20; i++)
            {
                var value = new byte[length];
                random.NextBytes(value);
                if (i == 0)
                {
                    Array.Fill(value, (byte)0xFF);
                }

                // The fewest digits that hold the value, and a few more.
                var width = random.Next(0, 4);
                for (var n = new BigInteger(value, isUnsigned: true, isBigEndian: true); n > 0; n /= 62)
                {
                    width++;
                }

                var text = new char[width];

                Base62.Encode(value, text);

                Assert.Equal(Reference(value, width), new string(text));
            }
        }
    }

    [Fact]
    public void A_value_one_digit_too_large_for_the_width_is_refused()
    {
        var value = Enumerable.Repeat((byte)0xFF, 32).ToArray();

        Assert.Throws<ArgumentException>(() => Base62.Encode(value, new char[42]));
        Assert.Throws<ArgumentException>(() => Base62.Encode([0x01, 0x00, 0x00, 0x00, 0x00], new char[5]));
    }

    [Fact]
    public void A_value_too_large_for_the_width_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Base62.Encode([0xFF, 0xFF], new char[2]));
        Assert.False(Base62.TryDecode("1f2SI9UJPXvb7vdJ2", new byte[12]));
        Assert.True(Base62.TryDecode("1f2SI9UJPXvb7vdJ1", new byte[12]));
    }

    [Theory]
    [InlineData("abc-")]
    [InlineData("ab c")]
    [InlineData("é")]
    [InlineData("_")]
    public void Characters_outside_the_alphabet_are_refused(string text)
    {
        Assert.False(Base62.TryDecode(text, new byte[16]));
    }

    private static string Reference(byte[] bigEndian, int width)
    {
        var n = new BigInteger(bigEndian, isUnsigned: true, isBigEndian: true);
        var digits = new char[width];
        for (var i = width - 1; i >= 0; i--)
        {
            digits[i] = Base62.Alphabet[(int)(n % 62)];
            n /= 62;
        }

        Assert.Equal(BigInteger.Zero, n);
        return new string(digits);
    }

    [Theory]
    [InlineData(12, 17, "1f2SI9UJPXvb7vdJ1")]
    [InlineData(32, 43, "yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp1")]
    public void MaxDigits_are_the_digits_of_the_largest_value(int bytes, int digits, string expected)
    {
        Assert.Equal(expected, Base62.MaxDigits(bytes, digits));
    }

    [Theory]
    [InlineData(12, 17)]
    [InlineData(32, 43)]
    public void IsAtMost_agrees_with_decoding_on_random_and_boundary_digits(int bytes, int digits)
    {
        const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        var max = Base62.MaxDigits(bytes, digits);
        var random = new Random(62);
        var samples = new List<string> { max, new('0', digits), new('z', digits) };
        for (var position = 0; position < digits; position++)
        {
            // Each digit of the maximum one step up and one step down.
            var value = Base62.DigitValue(max[position]);
            if (value < 61)
            {
                samples.Add(string.Concat(max.AsSpan(0, position), Alphabet[value + 1].ToString(), max.AsSpan(position + 1)));
            }

            if (value > 0)
            {
                samples.Add(string.Concat(max.AsSpan(0, position), Alphabet[value - 1].ToString(), max.AsSpan(position + 1)));
            }
        }

        for (var i = 0; i < 5_000; i++)
        {
            // Random digits, half of them sharing a random-length prefix with the maximum.
            var text = new string(Enumerable.Range(0, digits).Select(_ => Alphabet[random.Next(62)]).ToArray());
            var shared = random.Next(2) == 0 ? random.Next(digits) : 0;
            samples.Add(string.Concat(max.AsSpan(0, shared), text.AsSpan(shared)));
        }

        var buffer = new byte[bytes];
        foreach (var sample in samples)
        {
            Assert.Equal(Base62.TryDecode(sample, buffer), Base62.IsAtMost(sample, max));
        }
    }
}
