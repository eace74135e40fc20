using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;

namespace Maas.Testing;

/// <summary>
/// <c>POST /v1/introspect</c> as RFC 7662 describes it (a form body, HTTP Basic client
/// authentication with RFC 6749 section 2.3.1 encoding), with the one introspection client the
/// tests configure, and the credentials to introspect: for the hosting package's endpoint tests and
/// the sample host's tests alike.
/// </summary>
public static class IntrospectionRequests
{
    public const string ClientId = "authorino";

    // Characters that RFC 6749 form-encoding changes, to prove the decoding.
    public const string ClientSecret = "gw secret+with:odd/chars=0123456789";

    /// <summary>The <c>SecretHash</c> setting for <paramref name="secret"/>: <c>sha256:</c> and its lowercase hex digest.</summary>
    public static string SecretHash(string secret) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Configures <see cref="ClientId"/> with <see cref="ClientSecret"/> as the host's introspection client (<c>Maas:Gateway:Clients:0</c>).</summary>
    public static void ConfigureClient(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configuration["Maas:Gateway:Clients:0:ClientId"] = ClientId;
        builder.Configuration["Maas:Gateway:Clients:0:SecretHash"] = SecretHash(ClientSecret);
    }

    /// <summary>The HTTP Basic credentials of <paramref name="id"/> and <paramref name="secret"/>, each form-encoded first.</summary>
    public static string Basic(string id, string secret) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(WebUtility.UrlEncode(id) + ":" + WebUtility.UrlEncode(secret)));

    /// <summary>Introspects <paramref name="token"/> as the configured client, or with <paramref name="authorization"/>.</summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string token, string? authorization = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/introspect");
        var form = new List<KeyValuePair<string, string>> { new("token", token) };
        if (hint is not null)
        {
            form.Add(new("token_type_hint", hint));
        }

        request.Content = new FormUrlEncodedContent(form);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", authorization ?? Basic(ClientId, ClientSecret));
        return await client.SendAsync(request);
    }

    /// <summary>Introspects <paramref name="token"/>; asserts a 200 JSON answer that is not cached.</summary>
    public static async Task<JsonElement> IntrospectAsync(HttpClient client, string token)
    {
        using var response = await PostAsync(client, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.Clone();
    }

    /// <summary>Asserts that <paramref name="token"/> introspects as exactly <c>{"active":false}</c>.</summary>
    public static async Task AssertInactiveAsync(HttpClient client, string token)
    {
        using var response = await PostAsync(client, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("""{"active":false}""", await response.Content.ReadAsStringAsync());
    }

    /// <summary>Issues a token to the signed-in <paramref name="user"/>; asserts 201.</summary>
    public static async Task<string> IssueTokenAsync(HttpClient user, string expiration = "4h")
    {
        ArgumentNullException.ThrowIfNull(user);
        using var response = await user.PostAsync("/v1/tokens", MaasTestHost.Json($$"""{"expiration":"{{expiration}}"}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>Creates a key for the signed-in <paramref name="user"/>; asserts 201.</summary>
    public static async Task<(string Key, string Id)> CreateKeyAsync(HttpClient user, string name = "k", string expiration = "720h")
    {
        ArgumentNullException.ThrowIfNull(user);
        using var response = await user.PostAsync("/v1/api-keys", MaasTestHost.Json($$"""{"name":"{{name}}","expiration":"{{expiration}}"}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (body.RootElement.GetProperty("token").GetString()!, body.RootElement.GetProperty("jti").GetString()!);
    }
}
