using System.Net;
using System.Text.Json;

namespace Maas.Testing;

/// <summary>
/// Creating and searching API keys over HTTP, asserting the answer's status: for the endpoint tests
/// of the hosting package and the sample host's tests alike (any host, any <see cref="HttpClient"/>).
/// </summary>
public static class ApiKeyRequests
{
    /// <summary>Creates a key with the <c>POST /v1/api-keys</c> body <paramref name="json"/>; asserts 201.</summary>
    public static async Task<(string Id, string Key)> CreateAsync(HttpClient client, string json)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.PostAsync("/v1/api-keys", MaasTestHost.Json(json));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        using var body = JsonDocument.Parse(text);
        return (body.RootElement.GetProperty("jti").GetString()!, body.RootElement.GetProperty("token").GetString()!);
    }

    /// <summary>Searches with the <c>POST /v1/api-keys/search</c> body <paramref name="json"/>; asserts <paramref name="expected"/>.</summary>
    public static async Task<JsonDocument> SearchAsync(HttpClient client, string json, HttpStatusCode expected = HttpStatusCode.OK)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.PostAsync("/v1/api-keys/search", MaasTestHost.Json(json));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text);
    }

    /// <summary>The names of the keys in a search answer, in its order.</summary>
    public static string[] Names(JsonDocument list)
    {
        ArgumentNullException.ThrowIfNull(list);
        return [.. list.RootElement.GetProperty("data").EnumerateArray().Select(k => k.GetProperty("name").GetString()!)];
    }

    /// <summary>The ids of the keys in a search answer, in its order.</summary>
    public static string[] Ids(JsonDocument list)
    {
        ArgumentNullException.ThrowIfNull(list);
        return [.. list.RootElement.GetProperty("data").EnumerateArray().Select(k => k.GetProperty("id").GetString()!)];
    }
}
