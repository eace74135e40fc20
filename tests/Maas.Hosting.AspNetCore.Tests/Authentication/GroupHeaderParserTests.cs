using Maas.Hosting.Authentication;

namespace Maas.Hosting.AspNetCore.Tests.Authentication;

public sealed class GroupHeaderParserTests
{
    [Theory]
    [InlineData("[\"a\",\"b\"]", new[] { "a", "b" })]
    [InlineData(" [ \"system:authenticated\" ] ", new[] { "system:authenticated" })]
    [InlineData("[]", new string[0])]
    [InlineData("[a b]", new[] { "a", "b" })]
    [InlineData("[system:authenticated  tier-free-users]", new[] { "system:authenticated", "tier-free-users" })]
    [InlineData("[\"with space\"]", new[] { "with space" })]
    [InlineData("[\"\\u0041b\",\"gr\u00fcn\"]", new[] { "Ab", "gr\u00fcn" })]
    public void Parses_json_arrays_and_authorino_lists(string header, string[] expected)
    {
        Assert.True(GroupHeaderParser.TryParse(header, out var groups));
        Assert.Equal(expected, groups);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a,b")]
    [InlineData("\"a\"")]
    [InlineData("[1,2]")]
    [InlineData("[\"a\",null]")]
    [InlineData("{\"a\":1}")]
    [InlineData("[\"a\"")]
    [InlineData("[a [b]]")]
    [InlineData("[\"a\"] [\"b\"]")]
    [InlineData("[\"a\",]")]
    public void Refuses_anything_that_is_not_a_list_of_strings(string header)
    {
        Assert.False(GroupHeaderParser.TryParse(header, out _));
    }
}
