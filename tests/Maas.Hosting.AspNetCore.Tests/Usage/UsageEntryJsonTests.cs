using System.Text.Json;
using Maas.Hosting.Usage;

namespace Maas.Hosting.AspNetCore.Tests.Usage;

/// <summary>The usage answers' entries share their counts' declaration; their bytes on the wire are as they were, members in the same order.</summary>
public sealed class UsageEntryJsonTests
{
    [Fact]
    public void A_history_entry_is_written_start_and_group_first_then_its_six_counts()
    {
        var response = new UsageHistoryResponse
        {
            User = "alice",
            From = "2026-11-25T00:00:00Z",
            To = "2026-11-27T00:00:00Z",
            Granularity = "day",
            GroupBy = "model",
            Data = [new UsageHistoryEntry
            {
                Start = "2026-11-25T00:00:00Z",
                Group = null,
                Requests = 1, LimitedRequests = 2, FailedRequests = 3, PromptTokens = 4, CompletionTokens = 5, TotalTokens = 9,
            }],
        };

        Assert.Equal(
            """{"object":"usage_history","user":"alice","from":"2026-11-25T00:00:00Z","to":"2026-11-27T00:00:00Z","granularity":"day","group_by":"model","data":[{"start":"2026-11-25T00:00:00Z","group":null,"requests":1,"limited_requests":2,"failed_requests":3,"prompt_tokens":4,"completion_tokens":5,"total_tokens":9}]}""",
            JsonSerializer.Serialize(response, MaasJsonContext.Default.UsageHistoryResponse));
    }

    [Fact]
    public void A_report_entry_is_written_group_first_then_its_six_counts()
    {
        var response = new UsageReportResponse
        {
            From = "2026-11-01T00:00:00Z",
            To = "2026-12-01T00:00:00Z",
            GroupBy = "user",
            Data = [new UsageReportEntryResponse
            {
                Group = "alice",
                Requests = 1, LimitedRequests = 2, FailedRequests = 3, PromptTokens = 4, CompletionTokens = 5, TotalTokens = 9,
            }],
            HasMore = true,
            NextCursor = "next",
        };

        Assert.Equal(
            """{"object":"usage_report","from":"2026-11-01T00:00:00Z","to":"2026-12-01T00:00:00Z","group_by":"user","data":[{"group":"alice","requests":1,"limited_requests":2,"failed_requests":3,"prompt_tokens":4,"completion_tokens":5,"total_tokens":9}],"has_more":true,"next_cursor":"next"}""",
            JsonSerializer.Serialize(response, MaasJsonContext.Default.UsageReportResponse));
    }
}
