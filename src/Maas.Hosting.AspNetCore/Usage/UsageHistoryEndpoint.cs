using Maas.Hosting.Authentication;
using Maas.Hosting.Errors;
using Maas.Hosting.Requests;
using Maas.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Maas.Hosting.Usage;

/// <summary>
/// <c>GET /v1/usage/history</c>: the caller's own usage from the ledger (<see cref="IUsageLedger"/>),
/// summed per hour, day or month and per model, key or label. Read-only and the caller's only.
/// JSON, or CSV with <c>Accept: text/csv</c>.
/// </summary>
internal static class UsageHistoryEndpoint
{
    public static async Task<Results<JsonHttpResult<UsageHistoryResponse>, ContentHttpResult, MaasError>> GetAsync(
        MaasCaller caller, IUsageLedger ledger, TimeProvider time, HttpRequest request, CancellationToken cancellationToken)
    {
        var query = UsageHistoryQueryReader.Read(request.Query, caller.User.Name, time.GetUtcNow());
        var buckets = await ledger.QueryAsync(query, cancellationToken).ConfigureAwait(false);
        var groupBy = query.GroupBy switch
        {
            UsageGrouping.Model => "model",
            UsageGrouping.Key => "key",
            _ => "label:" + query.Label,
        };
        if (UsageCsv.Negotiate(request))
        {
            var csv = new UsageCsv().Text("start").Text(groupBy).CountNames().EndRow();
            foreach (var bucket in buckets)
            {
                csv.Text(InstantText.Format(bucket.Start)).Text(bucket.Group)
                    .Counts(bucket.Requests, bucket.LimitedRequests, bucket.FailedRequests, bucket.PromptTokens, bucket.CompletionTokens, bucket.TotalTokens)
                    .EndRow();
            }

            return csv.ToResult(request.HttpContext.Response, $"usage-history-{UsageCsv.Range(query.From, query.To)}.csv");
        }

        var data = new UsageHistoryEntry[buckets.Count];
        for (var i = 0; i < data.Length; i++)
        {
            var bucket = buckets[i];
            data[i] = new UsageHistoryEntry
            {
                Start = InstantText.Format(bucket.Start),
                Group = bucket.Group,
                Requests = bucket.Requests,
                LimitedRequests = bucket.LimitedRequests,
                FailedRequests = bucket.FailedRequests,
                PromptTokens = bucket.PromptTokens,
                CompletionTokens = bucket.CompletionTokens,
                TotalTokens = bucket.TotalTokens,
            };
        }

        return TypedResults.Json(
            new UsageHistoryResponse
            {
                User = query.User,
                From = InstantText.Format(query.From),
                To = InstantText.Format(query.To),
                Granularity = query.Granularity switch
                {
                    UsageGranularity.Hour => "hour",
                    UsageGranularity.Day => "day",
                    _ => "month",
                },
                GroupBy = groupBy,
                Data = data,
            },
            MaasJsonContext.Default.UsageHistoryResponse);
    }
}
