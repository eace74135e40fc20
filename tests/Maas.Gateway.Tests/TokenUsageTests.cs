using System.Text;
using Maas.Gateway.Responses;

namespace Maas.Gateway.Tests;

/// <summary>An upstream's bill is read so that the count is never below it, whatever numbers it sends.</summary>
public sealed class TokenUsageTests
{
    [Theory]
    [InlineData("""{"prompt_tokens":9,"completion_tokens":5,"total_tokens":14}""", 14)]
    [InlineData("""{"prompt_tokens":9,"completion_tokens":5}""", 14)]
    [InlineData("""{"prompt_tokens":9,"completion_tokens":5,"total_tokens":3}""", 14)]
    [InlineData("""{"prompt_tokens":9223372036854775800,"completion_tokens":9223372036854775800}""", long.MaxValue)]
    [InlineData("""{"prompt_tokens":1,"completion_tokens":1,"total_tokens":1e30}""", long.MaxValue)]
    [InlineData("""{"prompt_tokens":2.5,"completion_tokens":1}""", 4)]
    [InlineData("""{"prompt_tokens":-5,"completion_tokens":7}""", 7)]
    public void A_bill_is_read_as_at_least_its_parts_and_never_wraps(string usage, long counted)
    {
        var json = Encoding.UTF8.GetBytes($$"""{"id":"c","choices":[],"usage":{{usage}}}""");

        Assert.True(TokenUsage.TryRead(json, out var read, out _));
        Assert.Equal(counted, read.TotalTokens);
        Assert.True(read.TotalTokens >= 0);
    }
}
