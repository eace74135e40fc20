using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;

namespace Maas.SelfService.Tests;

/// <summary>
/// The create form's limit fields (the default tiers: alice is <c>free</c>, 5 requests per 2 minutes and
/// 100 LLM tokens per minute, no budget): posted to the same Core service as <c>POST /v1/api-keys</c>,
/// so a limit above the tier is refused with the REST answer's own message, beside its field.
/// </summary>
public sealed partial class CreateFormLimitsTests
{
    [Fact]
    public async Task A_key_created_with_limits_has_them_and_the_list_shows_them()
    {
        await using var app = await SelfServiceEndpointTests.StartAsync();
        using var alice = Alice(app);

        var (status, html) = await PostCreateAsync(alice, ("Create.Name", "ci"), ("Create.LimitRequests", "3"), ("Create.LimitTokensPerMinute", " 50 "), ("Create.BudgetPeriod", "month"), ("Create.BudgetTokens", "1000"), ("Create.BudgetRequests", ""));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Matches("value=\"sk-maas-", html);
        using var keys = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys"));
        Assert.Equal("""{"requests":3,"tokensPerMinute":50,"budgets":[{"period":"month","tokens":1000,"requests":0}]}""", keys.RootElement[0].GetProperty("limits").GetRawText());
        Assert.Contains("Own limits: 3 requests per 2 minutes, 50 LLM tokens per minute, 1,000 LLM tokens per month", WebUtility.HtmlDecode(await alice.GetStringAsync("/keys")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_limit_fields_make_a_key_without_its_own_limits()
    {
        await using var app = await SelfServiceEndpointTests.StartAsync();
        using var alice = Alice(app);

        var (status, _) = await PostCreateAsync(alice, ("Create.Name", "plain"), ("Create.LimitRequests", ""), ("Create.LimitTokensPerMinute", "0"), ("Create.BudgetPeriod", "week"), ("Create.BudgetTokens", "0"));

        Assert.Equal(HttpStatusCode.OK, status);
        using var keys = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys"));
        Assert.False(keys.RootElement[0].TryGetProperty("limits", out _));
        Assert.DoesNotContain("Own limits:", await alice.GetStringAsync("/keys"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Create.LimitRequests", "6", """{"requests":6}""", "create-limit-requests")]
    [InlineData("Create.LimitTokensPerMinute", "101", """{"tokensPerMinute":101}""", "create-limit-tokens")]
    [InlineData("Create.BudgetTokens", "1125899906842625", """{"budgets":[{"period":"day","tokens":1125899906842625}]}""", "create-budget-tokens")]
    public async Task A_limit_above_the_tier_is_refused_beside_its_field_with_the_rest_apis_message_and_makes_no_key(string name, string value, string restLimits, string input)
    {
        await using var app = await SelfServiceEndpointTests.StartAsync();
        using var alice = Alice(app);
        using var rest = await alice.PostAsync("/v1/api-keys", new StringContent($$"""{"name":"k","limits":{{restLimits}}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, rest.StatusCode);
        using var problem = JsonDocument.Parse(await rest.Content.ReadAsStringAsync());
        var message = problem.RootElement.GetProperty("detail").GetString()!;

        var (status, html) = await PostCreateAsync(alice, ("Create.Name", "too much"), (name, value), ("Create.BudgetPeriod", "day"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var decoded = WebUtility.HtmlDecode(html);
        var field = Regex.Match(decoded, $"<input id=\"{input}\"[^>]*>[\\s\\S]*?</div>").Value;
        Assert.Contains($"<p id=\"create-error\" class=\"error-text\" role=\"alert\">{message}</p>", field, StringComparison.Ordinal);
        Assert.Contains("aria-invalid=\"true\"", field, StringComparison.Ordinal);
        Assert.Contains("aria-describedby=\"create-error", field, StringComparison.Ordinal);
        Assert.Contains($"value=\"{value}\"", field, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(decoded, "id=\"create-error\""));
        Assert.Contains("value=\"too much\"", decoded, StringComparison.Ordinal);
        Assert.Equal("[]", await alice.GetStringAsync("/v1/api-keys"));
    }

    [Theory]
    [InlineData("Create.LimitRequests", "five", "create-limit-requests")]
    [InlineData("Create.LimitRequests", "2147483648", "create-limit-requests")]
    [InlineData("Create.LimitTokensPerMinute", "-1", "create-limit-tokens")]
    [InlineData("Create.BudgetRequests", "1e3", "create-budget-requests")]
    [InlineData("Create.BudgetPeriod", "fortnight", "create-budget-period")]
    public async Task A_limit_that_is_not_a_count_or_period_is_refused_beside_its_field_and_makes_no_key(string name, string value, string input)
    {
        await using var app = await SelfServiceEndpointTests.StartAsync();
        using var alice = Alice(app);

        var (status, html) = await PostCreateAsync(alice, ("Create.Name", "typo"), (name, value));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var decoded = WebUtility.HtmlDecode(html);
        var field = Regex.Match(decoded, $"<(input|select) id=\"{input}\"[^>]*>[\\s\\S]*?</div>").Value;
        Assert.Contains("<p id=\"create-error\" class=\"error-text\" role=\"alert\">", field, StringComparison.Ordinal);
        Assert.Contains("aria-invalid=\"true\"", field, StringComparison.Ordinal);
        Assert.Equal("[]", await alice.GetStringAsync("/v1/api-keys"));
    }

    [Fact]
    public async Task The_form_says_the_tiers_limits_beside_the_fields_that_may_only_tighten_them()
    {
        await using var app = await SelfServiceEndpointTests.StartAsync();
        using var alice = Alice(app);

        var html = WebUtility.HtmlDecode(await alice.GetStringAsync("/keys"));

        Assert.Contains("<legend>The key's own limits <span class=\"hint\">(optional)</span></legend>", html, StringComparison.Ordinal);
        Assert.Contains("<label for=\"create-limit-requests\">Requests per 2 minutes</label>", html, StringComparison.Ordinal);
        Assert.Contains("<p id=\"create-limit-requests-hint\" class=\"hint\">At most your tier's 5.</p>", html, StringComparison.Ordinal);
        Assert.Contains("<p id=\"create-limit-tokens-hint\" class=\"hint\">At most your tier's 100.</p>", html, StringComparison.Ordinal);
        Assert.Contains("Your tier sets no budget: yours only tightens.", html, StringComparison.Ordinal);
    }

    private static HttpClient Alice(WebApplication app)
    {
        var alice = SelfServiceEndpointTests.Client(app);
        alice.DefaultRequestHeaders.Add("X-MaaS-Username", "alice");
        alice.DefaultRequestHeaders.Add("X-MaaS-Group", "[\"system:authenticated\"]");
        return alice;
    }

    private static async Task<(HttpStatusCode Status, string Html)> PostCreateAsync(HttpClient client, params (string Name, string Value)[] fields)
    {
        var (cookie, token) = await SelfServiceEndpointTests.AntiforgeryAsync(client);
        var formToken = FormToken().Match(await client.GetStringAsync("/keys")).Groups[1].Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/keys?handler=Create")
        {
            Content = new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("Create.FormToken", formToken), .. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))]),
        };
        request.Headers.Add("Cookie", cookie);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [GeneratedRegex("name=\"Create.FormToken\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();
}
