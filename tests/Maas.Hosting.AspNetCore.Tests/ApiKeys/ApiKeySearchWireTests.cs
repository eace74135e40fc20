using System.Net;
using System.Text;
using System.Text.Json;
using Maas.ApiKeys;
using Maas.Errors;
using Maas.Hosting.ApiKeys;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Maas.Hosting.AspNetCore.Tests.ApiKeys;

/// <summary>
/// The Go service's search words (<c>filters.status</c>, <c>sort.by</c>, <c>sort.order</c>) are read
/// here into Core's typed search request; a word Core has no value for is the same 400 as before.
/// </summary>
public sealed class ApiKeySearchWireTests
{
    [Theory]
    [InlineData(null, ApiKeySortField.CreatedAt)]
    [InlineData("", ApiKeySortField.CreatedAt)]
    [InlineData("created_at", ApiKeySortField.CreatedAt)]
    [InlineData("expires_at", ApiKeySortField.ExpiresAt)]
    [InlineData("last_used_at", ApiKeySortField.LastUsedAt)]
    [InlineData("name", ApiKeySortField.Name)]
    public void Every_sort_field_word_reads_as_its_field_and_none_as_creation(string? word, ApiKeySortField expected) =>
        Assert.Equal(expected, ApiKeySearchWire.SortField(word));

    [Theory]
    [InlineData(null, ApiKeySortOrder.Descending)]
    [InlineData("", ApiKeySortOrder.Descending)]
    [InlineData("desc", ApiKeySortOrder.Descending)]
    [InlineData(" DESC ", ApiKeySortOrder.Descending)]
    [InlineData("asc", ApiKeySortOrder.Ascending)]
    [InlineData("Asc", ApiKeySortOrder.Ascending)]
    public void Sort_order_is_asc_or_desc_in_any_case_and_descending_by_default(string? word, ApiKeySortOrder expected) =>
        Assert.Equal(expected, ApiKeySearchWire.SortOrder(word));

    [Fact]
    public void Status_words_read_as_statuses_blanks_trimmed_and_none_as_every_status()
    {
        Assert.Equal([ApiKeyStatus.Active, ApiKeyStatus.Revoked, ApiKeyStatus.Expired], ApiKeySearchWire.Statuses(["active", "revoked", " expired "]));
        Assert.Empty(ApiKeySearchWire.Statuses(null));
        Assert.Empty(ApiKeySearchWire.Statuses([]));
    }

    [Theory]
    [InlineData("owner")]
    [InlineData("Name")]
    [InlineData(" name")]
    [InlineData("created")]
    public void An_unknown_sort_field_is_refused_naming_sort_by_and_the_words_it_may_hold(string word)
    {
        var error = Assert.Throws<InvalidRequestException>(() => ApiKeySearchWire.SortField(word));
        Assert.Equal("sort.by", error.Field);
        Assert.Equal("sort.by must be one of: created_at, expires_at, last_used_at, name.", error.Message);
    }

    [Theory]
    [InlineData("up")]
    [InlineData("ascending")]
    public void An_unknown_sort_order_is_refused_naming_sort_order(string word)
    {
        var error = Assert.Throws<InvalidRequestException>(() => ApiKeySearchWire.SortOrder(word));
        Assert.Equal("sort.order", error.Field);
        Assert.Equal("sort.order must be asc or desc.", error.Message);
    }

    [Theory]
    [InlineData("gone")]
    [InlineData("Active")]
    [InlineData(null)]
    public void An_unknown_status_is_refused_naming_filters_status(string? word)
    {
        var error = Assert.Throws<InvalidRequestException>(() => ApiKeySearchWire.Statuses(["active", word!]));
        Assert.Equal("filters.status", error.Field);
        Assert.Equal("filters.status may hold only active, revoked and expired.", error.Message);
    }

    [Fact]
    public void A_whole_body_reads_into_the_typed_request_and_no_body_is_the_defaults()
    {
        var body = JsonSerializer.Deserialize(
            """{"filters":{"username":"bob","status":["revoked"],"labelsContain":{"env":"prod"}},"sort":{"by":"name","order":"asc"},"pagination":{"limit":7,"offset":2,"cursor":"c"}}""",
            MaasJsonContext.Default.ApiKeySearchBody);

        var request = body.ToSearchRequest();

        Assert.Equal("bob", request.Username);
        Assert.Equal([ApiKeyStatus.Revoked], request.Statuses);
        Assert.Equal("prod", request.LabelsContain!["env"]);
        Assert.Equal((ApiKeySortField.Name, ApiKeySortOrder.Ascending), (request.SortBy, request.SortOrder));
        Assert.Equal((7, 2, "c"), (request.Limit, request.Offset, request.Cursor));

        var none = ((ApiKeySearchBody?)null).ToSearchRequest();
        Assert.Null(none.Username);
        Assert.Empty(none.Statuses);
        Assert.Null(none.LabelsContain);
        Assert.Equal((ApiKeySortField.CreatedAt, ApiKeySortOrder.Descending), (none.SortBy, none.SortOrder));
        Assert.Equal((null, null, null), (none.Limit, none.Offset, none.Cursor));
    }

    [Theory]
    [InlineData("""{"sort":{"by":"owner"}}""", "sort.by", "sort.by must be one of: created_at, expires_at, last_used_at, name.")]
    [InlineData("""{"sort":{"by":"name","order":"up"}}""", "sort.order", "sort.order must be asc or desc.")]
    [InlineData("""{"filters":{"status":["gone"]}}""", "filters.status", "filters.status may hold only active, revoked and expired.")]
    public async Task A_bad_search_word_is_the_same_400_over_http(string json, string field, string message)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMaas().UseInMemoryStorage();
        await using var app = builder.Build();
        app.MapMaasApi();
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = app.GetAddress() };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/api-keys/search") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-MaaS-Username", "alice");
        request.Headers.Add("X-MaaS-Group", "[\"system:authenticated\"]");

        using var response = await client.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(message, problem.RootElement.GetProperty("error").GetString());
        Assert.Equal(field, problem.RootElement.GetProperty("field").GetString());
        await app.StopAsync();
    }
}
