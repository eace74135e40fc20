using Maas.Administration;
using Maas.Errors;
using Maas.Hosting.Authentication;
using Maas.Hosting.Errors;
using Maas.Hosting.Requests;
using Maas.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Maas.Hosting.Usage;

/// <summary>
/// <c>GET /v1/usage/report</c>: the administrators' report over every user from the ledger
/// (<see cref="IUsageLedger.ReportAsync"/>), grouped by user, model, tier or a label, the most tokens
/// first, in cursor pages; JSON, or CSV with <c>Accept: text/csv</c> (the next page then in a
/// <c>Link: rel="next"</c> header).
/// </summary>
internal static class UsageReportEndpoint
{
    public static async Task<Results<JsonHttpResult<UsageReportResponse>, ContentHttpResult, MaasError>> GetAsync(
        MaasCaller caller, Administrators administrators, IUsageLedger ledger, TimeProvider time, HttpRequest request, CancellationToken cancellationToken)
    {
        // Asked first, so someone who may not read the report learns nothing from how a parameter is judged.
        if (!administrators.Includes(caller.User))
        {
            const string message = "Only administrators may read the usage report.";
            return MaasError.Create(StatusCodes.Status403Forbidden, caller.User.FromApiKey ? message + " " + AdministratorRequiredException.ApiKeyReason : message);
        }

        var query = UsageReportQueryReader.Read(request.Query, time.GetUtcNow());
        var page = await ledger.ReportAsync(query, cancellationToken).ConfigureAwait(false);
        var next = page.Next is { } position ? UsageReportCursor.Write(query, position) : null;
        var groupBy = UsageReportCsv.GroupByName(query);
        var response = request.HttpContext.Response;
        if (UsageCsv.Negotiate(request))
        {
            if (next is not null)
            {
                response.Headers.Link = $"<{NextPage(request, next)}>; rel=\"next\"";
            }

            return UsageCsv.ToResult(response, UsageReportCsv.Write(query, page.Entries), UsageReportCsv.FileName(query));
        }

        var data = new UsageReportEntryResponse[page.Entries.Count];
        for (var i = 0; i < data.Length; i++)
        {
            var entry = page.Entries[i];
            data[i] = new UsageReportEntryResponse
            {
                Group = entry.Group,
                Requests = entry.Requests,
                LimitedRequests = entry.LimitedRequests,
                FailedRequests = entry.FailedRequests,
                PromptTokens = entry.PromptTokens,
                CompletionTokens = entry.CompletionTokens,
                TotalTokens = entry.TotalTokens,
            };
        }

        return TypedResults.Json(
            new UsageReportResponse
            {
                From = InstantText.Format(query.From),
                To = InstantText.Format(query.To),
                GroupBy = groupBy,
                Data = data,
                HasMore = next is not null,
                NextCursor = next,
            },
            MaasJsonContext.Default.UsageReportResponse);
    }

    /// <summary>This request's path and parameters with <c>cursor</c> set to <paramref name="cursor"/>.</summary>
    private static string NextPage(HttpRequest request, string cursor)
    {
        var parameters = request.Query
            .Where(p => !string.Equals(p.Key, "cursor", StringComparison.Ordinal))
            .Select(p => KeyValuePair.Create(p.Key, (string?)p.Value.ToString()))
            .Append(KeyValuePair.Create("cursor", (string?)cursor));
        return (request.PathBase + request.Path + QueryString.Create(parameters)).ToString();
    }
}
