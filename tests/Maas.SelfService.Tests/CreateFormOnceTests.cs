using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;

namespace Maas.SelfService.Tests;

/// <summary>The create form makes one key per form shown, however often and however fast it is sent.</summary>
public sealed partial class CreateFormOnceTests
{
    [Fact]
    public async Task Concurrent_submissions_of_one_create_form_make_exactly_one_key_and_the_others_are_sent_to_the_list()
    {
        await using var app = await SelfServiceEndpointTests.StartAsync();
        using var alice = SelfServiceEndpointTests.Client(app);
        alice.DefaultRequestHeaders.Add("X-MaaS-Username", "alice");
        alice.DefaultRequestHeaders.Add("X-MaaS-Group", "[\"system:authenticated\"]");
        var (cookie, token) = await SelfServiceEndpointTests.AntiforgeryAsync(alice);
        var formToken = FormToken().Match(await alice.GetStringAsync("/keys")).Groups[1].Value;
        Assert.NotEmpty(formToken);

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/keys?handler=Create")
            {
                Content = new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("Create.Name", "twice"), new("Create.FormToken", formToken)]),
            };
            request.Headers.Add("Cookie", cookie);
            using var response = await alice.SendAsync(request);
            return (response.StatusCode, Location: response.Headers.Location?.OriginalString, Html: await response.Content.ReadAsStringAsync());
        }));

        var created = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Single(NewKey().Matches(created.Html));
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a =>
        {
            Assert.Equal(HttpStatusCode.SeeOther, a.StatusCode);
            Assert.Equal("/keys?sent=again", a.Location);
            Assert.DoesNotContain("sk-maas-", a.Html, StringComparison.Ordinal);
        });
        using var keys = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys"));
        Assert.Equal(1, keys.RootElement.GetArrayLength());

        // Where the others went: the list, saying why no second key was made.
        var list = await alice.GetStringAsync("/keys?sent=again");
        Assert.Contains("That form was sent already, so no second key was made", System.Net.WebUtility.HtmlDecode(list), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_create_form_without_its_one_time_token_or_with_someone_elses_makes_no_key()
    {
        await using var app = await SelfServiceEndpointTests.StartAsync();
        using var alice = SelfServiceEndpointTests.Client(app);
        alice.DefaultRequestHeaders.Add("X-MaaS-Username", "alice");
        alice.DefaultRequestHeaders.Add("X-MaaS-Group", "[\"system:authenticated\"]");
        using var bob = SelfServiceEndpointTests.Client(app);
        bob.DefaultRequestHeaders.Add("X-MaaS-Username", "bob");
        bob.DefaultRequestHeaders.Add("X-MaaS-Group", "[\"system:authenticated\"]");
        var (cookie, token) = await SelfServiceEndpointTests.AntiforgeryAsync(alice);
        var bobsFormToken = FormToken().Match(await bob.GetStringAsync("/keys")).Groups[1].Value;

        foreach (var formToken in new[] { null, "", bobsFormToken })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/keys?handler=Create")
            {
                Content = new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("Create.Name", "unchecked"), .. formToken is null ? [] : new KeyValuePair<string, string>[] { new("Create.FormToken", formToken) }]),
            };
            request.Headers.Add("Cookie", cookie);
            using var response = await alice.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var html = System.Net.WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
            Assert.Contains("This form could not be checked", html, StringComparison.Ordinal);
            Assert.Contains("value=\"unchecked\"", html, StringComparison.Ordinal);
        }

        Assert.Equal("[]", await alice.GetStringAsync("/v1/api-keys"));
    }

    [GeneratedRegex("name=\"Create.FormToken\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    [GeneratedRegex("value=\"sk-maas-")]
    private static partial Regex NewKey();
}
