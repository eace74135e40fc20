using Maas.Tokens;

namespace Maas.Core.Tests.Tokens;

public sealed class RandomBytesTests
{
    [Fact]
    public void Successive_draws_never_repeat_and_cover_every_byte_value()
    {
        var seen = new HashSet<ulong>();
        var counts = new int[256];
        Span<byte> draw = stackalloc byte[8];
        for (var i = 0; i < 20_000; i++)
        {
            RandomBytes.Fill(draw);
            Assert.True(seen.Add(BitConverter.ToUInt64(draw)), "a draw repeated");
            foreach (var b in draw)
            {
                counts[b]++;
            }
        }

        Assert.All(counts, c => Assert.InRange(c, 400, 900)); // 160,000 bytes: about 625 of each value
    }

    [Fact]
    public void Draws_larger_than_a_block_quarter_and_across_block_boundaries_are_filled()
    {
        var large = new byte[5000];
        RandomBytes.Fill(large);
        Assert.True(large.Count(b => b == 0) < 100);

        var odd = new byte[37];
        for (var i = 0; i < 300; i++)
        {
            Array.Clear(odd);
            RandomBytes.Fill(odd);
            Assert.True(odd.Count(b => b == 0) < 10);
        }
    }
}
