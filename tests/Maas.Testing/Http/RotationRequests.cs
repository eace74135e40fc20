using System.Net;
using System.Text.Json;

namespace Maas.Testing;

/// <summary>Creating a key and rotating it over HTTP, asserting 201 each time; for any host.</summary>
public static class RotationRequests
{
    /// <summary>Creates a key named <paramref name="name"/> for the signed-in <paramref name="client"/>.</summary>
    public static async Task<(string Key, string Id)> CreateKeyAsync(HttpClient client, string name, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var json = description is null ? $$"""{"name":"{{name}}"}""" : $$"""{"name":"{{name}}","description":"{{description}}"}""";
        using var response = await client.PostAsync("/v1/api-keys", MaasTestHost.Json(json));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (body.RootElement.GetProperty("token").GetString()!, body.RootElement.GetProperty("jti").GetString()!);
    }

    /// <summary>Rotates the key <paramref name="id"/>, the old one working for <paramref name="grace"/>.</summary>
    public static async Task<(string Key, string Id)> RotateAsync(HttpClient client, string id, string grace)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.PostAsync($"/v1/api-keys/{id}/rotate", MaasTestHost.Json($$"""{"grace":"{{grace}}"}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (body.RootElement.GetProperty("token").GetString()!, body.RootElement.GetProperty("jti").GetString()!);
    }
}
