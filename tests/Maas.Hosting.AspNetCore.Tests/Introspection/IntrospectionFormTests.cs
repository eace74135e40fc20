using System.Text;
using Maas.Hosting.Introspection;

namespace Maas.Hosting.AspNetCore.Tests.Introspection;

public sealed class IntrospectionFormTests
{
    [Theory]
    [InlineData("token=sk-maas-abc_def", "sk-maas-abc_def", 1, 0)]
    [InlineData("token_type_hint=access_token&token=eyJ.a.b", "eyJ.a.b", 1, 1)]
    [InlineData("token=a%2Bb%3D%3D+c", "a+b== c", 1, 0)]
    [InlineData("t%6Fken=x&&token_type_hint=&", "x", 1, 1)]
    [InlineData("token=a&token=b", "b", 2, 0)]
    [InlineData("token", "", 1, 0)]
    [InlineData("other=1", null, 0, 0)]
    [InlineData("", null, 0, 0)]
    public void Reads_token_and_counts_fields_like_a_form_decoder(string body, string? token, int tokens, int hints)
    {
        Assert.True(IntrospectionForm.TryParse(Encoding.UTF8.GetBytes(body), out var form));
        Assert.Equal(token, form.Token);
        Assert.Equal(tokens, form.TokenCount);
        Assert.Equal(hints, form.HintCount);
    }

    [Fact]
    public void Refuses_a_body_that_is_not_utf8()
    {
        Assert.False(IntrospectionForm.TryParse([(byte)'t', 0xC3, 0x28], out _));
    }
}
