using System.Text;
using Maas.ApiKeys;

namespace Maas.Core.Tests.ApiKeys;

public sealed class Crc32Tests
{
    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xE8B7BE43u)]
    [InlineData("123456789", 0xCBF43926u)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0x414FA339u)]
    public void Matches_the_zlib_CRC32_of_known_vectors(string text, uint expected)
    {
        Assert.Equal(expected, Crc32.Compute(Encoding.ASCII.GetBytes(text)));
    }

    [Fact]
    public void Matches_a_bitwise_reference_implementation_on_random_data()
    {
        var random = new Random(42);
        for (var i = 0; i < 200; i++)
        {
            var data = new byte[random.Next(0, 300)];
            random.NextBytes(data);

            Assert.Equal(Reference(data), Crc32.Compute(data));
        }
    }

    private static uint Reference(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
            }
        }

        return ~crc;
    }
}
