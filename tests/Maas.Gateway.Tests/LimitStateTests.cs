using Maas.Gateway.Limits;

namespace Maas.Gateway.Tests;

public sealed class LimitStateTests
{
    [Theory]
    [InlineData(5, 0, 5)]
    [InlineData(5, 4, 1)]
    [InlineData(5, 5, 0)]
    [InlineData(100, 130, 0)]
    public void Remaining_is_what_is_left_and_never_negative(long limit, long used, long remaining)
    {
        var state = new LimitState(limit, used, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30));
        Assert.Equal(remaining, state.Remaining);
    }
}
