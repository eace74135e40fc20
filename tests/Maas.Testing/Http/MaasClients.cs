using System.Net.Http.Headers;

namespace Maas.Testing;

/// <summary>
/// Clients of a Maas host at one address, as its callers sign in: with no identity, with the
/// gateway's identity headers, or with a bearer credential. For every host the tests start (the
/// hosting package's minimal host, the sample host in process or as a child process).
/// </summary>
public static class MaasClients
{
    /// <summary>A client that sends no identity.</summary>
    public static HttpClient Anonymous(Uri baseAddress) => new() { BaseAddress = baseAddress };

    /// <summary>A client that carries the gateway identity headers of <paramref name="user"/> in <paramref name="groups"/>.</summary>
    public static HttpClient WithIdentity(Uri baseAddress, string user, params string[] groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var client = Anonymous(baseAddress);
        client.DefaultRequestHeaders.Add("X-MaaS-Username", user);
        client.DefaultRequestHeaders.Add("X-MaaS-Group", "[" + string.Join(",", groups.Select(g => "\"" + g + "\"")) + "]");
        return client;
    }

    /// <summary>A client that presents <paramref name="credential"/> as a bearer token and no identity headers.</summary>
    public static HttpClient WithBearer(Uri baseAddress, string credential)
    {
        var client = Anonymous(baseAddress);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return client;
    }
}
