using System.Security.Cryptography;
using Maas.Validation;

namespace Maas.Core.Tests.Validation;

public sealed class BloomFilterTests
{
    [Fact]
    public void Filled_to_capacity_it_keeps_every_member_and_admits_at_most_about_one_percent_of_strangers()
    {
        const int capacity = 100_000;
        var filter = new BloomFilter(capacity);
        var members = Enumerable.Range(0, capacity).Select(_ => RandomNumberGenerator.GetBytes(32)).ToArray();
        foreach (var member in members)
        {
            filter.Add(member);
        }

        Assert.All(members, member => Assert.True(filter.MayContain(member)));
        var admitted = Enumerable.Range(0, capacity).Count(_ => filter.MayContain(RandomNumberGenerator.GetBytes(32)));

        // Expected 1.0%; 1.3% is more than ten standard deviations away.
        Assert.InRange(admitted, 0, capacity * 13 / 1_000);
        Assert.Equal(capacity, filter.Count);
        Assert.InRange(filter.SizeInBytes, capacity, capacity * 13 / 10);
    }

    [Fact]
    public void Hashes_differing_only_past_the_sixteenth_byte_are_one_member()
    {
        var filter = new BloomFilter(1_000);
        var member = RandomNumberGenerator.GetBytes(32);
        filter.Add(member);
        var twin = (byte[])member.Clone();
        twin[31] ^= 0xFF;
        var stranger = (byte[])member.Clone();
        stranger[0] ^= 0x01;

        Assert.True(filter.MayContain(twin));
        Assert.False(filter.MayContain(stranger));
    }
}
