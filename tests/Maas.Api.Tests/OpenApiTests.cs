using System.Text.Json;

namespace Maas.Api.Tests;

/// <summary>The host describes its API at /openapi/v1.json, so clients can be generated from it.</summary>
public sealed class OpenApiTests
{
    [Fact]
    public async Task OpenApi_document_lists_every_endpoint_with_its_success_and_error_answers()
    {
        await using var server = await MaasApiServer.StartAsync();
        using var client = server.CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        foreach (var (path, method) in new[]
        {
            ("/health", "get"), ("/v1/tokens", "post"), ("/v1/tokens", "delete"), ("/v1/api-keys", "post"), ("/v1/api-keys", "get"),
            ("/v1/api-keys/{id}", "get"), ("/v1/api-keys/{id}", "delete"), ("/v1/models", "get"), ("/v1/tiers/lookup", "post"),
            ("/v1/introspect", "post"), ("/.well-known/jwks.json", "get"), ("/.well-known/openid-configuration", "get"),
            ("/v1/api-keys/search", "post"), ("/v1/api-keys/bulk-revoke", "post"), ("/v1/api-keys/config", "get"),
            ("/v1/api-keys/{id}/rotate", "post"), ("/v1/audit", "get"), ("/v1/usage/history", "get"),
            ("/v1/usage/report", "get"), ("/v1/api-keys/{id}/limits", "put"),
        })
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} missing");
            Assert.True(item.TryGetProperty(method, out _), $"{method} {path} missing");
        }

        var issue = paths.GetProperty("/v1/tokens").GetProperty("post");
        Assert.Equal("IssueToken", issue.GetProperty("operationId").GetString());
        Assert.True(issue.GetProperty("responses").TryGetProperty("201", out _));
        Assert.True(issue.GetProperty("responses").TryGetProperty("400", out _));
        // A service account annotated for another user (Kubernetes issuer); the store or the cluster down.
        Assert.True(issue.GetProperty("responses").TryGetProperty("409", out _));
        Assert.True(issue.GetProperty("responses").TryGetProperty("503", out _));
        var rotate = paths.GetProperty("/v1/api-keys/{id}/rotate").GetProperty("post");
        Assert.Equal("RotateApiKey", rotate.GetProperty("operationId").GetString());
        foreach (var status in new[] { "201", "400", "404", "409", "503" })
        {
            Assert.True(rotate.GetProperty("responses").TryGetProperty(status, out _), $"rotate {status} missing");
        }

        var audit = paths.GetProperty("/v1/audit").GetProperty("get");
        Assert.Equal("ListAuditEntries", audit.GetProperty("operationId").GetString());
        foreach (var status in new[] { "200", "400", "401", "403" })
        {
            Assert.True(audit.GetProperty("responses").TryGetProperty(status, out _), $"audit {status} missing");
        }

        // Issue 22: the usage report is for administrators, and both usage reads export CSV.
        var report = paths.GetProperty("/v1/usage/report").GetProperty("get");
        Assert.Equal("GetUsageReport", report.GetProperty("operationId").GetString());
        foreach (var status in new[] { "200", "400", "401", "403" })
        {
            Assert.True(report.GetProperty("responses").TryGetProperty(status, out _), $"usage report {status} missing");
        }

        foreach (var path in new[] { "/v1/usage/report", "/v1/usage/history" })
        {
            Assert.True(paths.GetProperty(path).GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/csv", out _), $"{path} lacks text/csv");
        }

        Assert.Equal("maas-api", document.RootElement.GetProperty("info").GetProperty("title").GetString());

        // Issue 12: search and bulk revoke answer 403 to a non-administrator reaching another user's keys.
        var search = paths.GetProperty("/v1/api-keys/search").GetProperty("post");
        Assert.Equal("SearchApiKeys", search.GetProperty("operationId").GetString());
        foreach (var status in new[] { "200", "400", "401", "403" })
        {
            Assert.True(search.GetProperty("responses").TryGetProperty(status, out _), $"search lacks {status}");
        }

        var bulk = paths.GetProperty("/v1/api-keys/bulk-revoke").GetProperty("post");
        foreach (var status in new[] { "200", "400", "401", "403" })
        {
            Assert.True(bulk.GetProperty("responses").TryGetProperty(status, out _), $"bulk revoke lacks {status}");
        }

        // Issue 22: a key's own limits, changed by administrators only.
        var limits = paths.GetProperty("/v1/api-keys/{id}/limits").GetProperty("put");
        Assert.Equal("SetApiKeyLimits", limits.GetProperty("operationId").GetString());
        foreach (var status in new[] { "200", "400", "401", "403", "404" })
        {
            Assert.True(limits.GetProperty("responses").TryGetProperty(status, out _), $"set limits lacks {status}");
        }

        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.GetProperty("ApiKeyLimitsBody").GetProperty("properties").TryGetProperty("budgets", out _));
        Assert.True(schemas.GetProperty("ApiKeySearchResponse").GetProperty("properties").TryGetProperty("has_more", out _));
        Assert.True(schemas.GetProperty("ApiKeyConfigResponse").GetProperty("properties").TryGetProperty("max_expiration_days", out _));
    }
}
