using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;

namespace Maas.Testing;

/// <summary>Reading the whole audit trail over HTTP as an administrator; for any host.</summary>
public static class AuditRequests
{
    /// <summary>The administrators' group the tests configure.</summary>
    public const string AdminGroup = "maas-admins";

    /// <summary>Makes <see cref="AdminGroup"/> the administrators (<c>Maas:Admins:Groups:0</c>).</summary>
    public static void Administrators(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configuration["Maas:Admins:Groups:0"] = AdminGroup;
    }

    /// <summary>Follows <c>next_cursor</c> from the first page to the last, checking each page's envelope.</summary>
    public static async Task<List<JsonElement>> ReadAllAsync(HttpClient admin, string filters)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var entries = new List<JsonElement>();
        string? cursor = null;
        for (var pages = 0; pages < 100; pages++)
        {
            var url = "/v1/audit?" + (cursor is null ? "" : "cursor=" + Uri.EscapeDataString(cursor)) + filters;
            using var response = await admin.GetAsync(url.Replace("?&", "?", StringComparison.Ordinal));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var root = body.RootElement;
            Assert.Equal("list", root.GetProperty("object").GetString());
            entries.AddRange(root.GetProperty("data").EnumerateArray().Select(e => e.Clone()));
            if (!root.GetProperty("has_more").GetBoolean())
            {
                Assert.Equal(JsonValueKind.Null, root.GetProperty("next_cursor").ValueKind);
                return entries;
            }

            cursor = root.GetProperty("next_cursor").GetString();
        }

        throw new InvalidOperationException("More than 100 pages.");
    }
}
