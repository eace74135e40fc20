using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Maas.Gateway.Responses;

/// <summary>
/// The call's usage on a non-streamed model answer, under the names the Go maas-api's test pack reads:
/// <c>x-odhu-usage-input-tokens</c> (the answer's <c>usage.prompt_tokens</c>), <c>x-odhu-usage-output-tokens</c>
/// (<c>completion_tokens</c>) and <c>x-odhu-usage-total-tokens</c> (<c>total_tokens</c>, never less than the
/// other two together: what the call counted against the token limit). Whole non-negative numbers as
/// <see cref="TokenUsage"/> read them (a hostile upstream's huge counts saturate, negative ones are 0).
/// Written only when the answer showed its usage and was held until it ended; a stream keeps its
/// usage in its final chunk, as its headers go first.
/// </summary>
internal static class UsageHeaders
{
    public const string InputTokens = "x-odhu-usage-input-tokens";
    public const string OutputTokens = "x-odhu-usage-output-tokens";
    public const string TotalTokens = "x-odhu-usage-total-tokens";

    public static void Write(IHeaderDictionary headers, TokenUsage usage)
    {
        headers[InputTokens] = usage.PromptTokens.ToString(CultureInfo.InvariantCulture);
        headers[OutputTokens] = usage.CompletionTokens.ToString(CultureInfo.InvariantCulture);
        headers[TotalTokens] = usage.TotalTokens.ToString(CultureInfo.InvariantCulture);
    }
}
