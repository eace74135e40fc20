using System.Text.Json;
using Maas.ApiKeys;
using Maas.Gateway.Forwarding;
using Maas.Gateway.Responses;
using Maas.Gateway.Steps;
using Microsoft.AspNetCore.Http;

namespace Maas.Gateway.Usage;

/// <summary>
/// <c>GET /v1/usage</c>: the caller's tier, its limits, what the caller used in the current windows
/// and when each resets, and (when the tier sets any) its budgets in their current periods, under <c>budgets</c>. Reads the counters without counting the call. When limits are counted per
/// model (<see cref="GatewayLimitOptions.PerModel"/>) the caller names the model: <c>?model=&lt;id&gt;</c>.
/// </summary>
internal sealed class UsageEndpoint(AuthenticationStep authentication, UsageReader reader)
{
    public async Task GetAsync(HttpContext context)
    {
        var (_, validation) = await authentication.AuthenticateAsync(context).ConfigureAwait(false);
        if (validation is null)
        {
            return;
        }

        string? model = context.Request.Query["model"];
        if (reader.PerModel && string.IsNullOrEmpty(model))
        {
            await OpenAiErrorAnswer.BadRequest(context, "'model' is required: limits are counted per model here; ask for /v1/usage?model=<id>.").ConfigureAwait(false);
            return;
        }

        UsageReport report;
        try
        {
            report = await reader.ReadWithKeyAsync(validation.User!, validation.Tier!, model, validation.Id, validation.KeyLimits, context.RequestAborted).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            // The shared counters (Redis) are unreachable; the counter has logged it.
            context.Response.Headers.RetryAfter = "5";
            await OpenAiErrorAnswer.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The rate-limit counters are unavailable; retry shortly.", "server_error", "limits_unavailable").ConfigureAwait(false);
            return;
        }

        var response = context.Response;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        using (var json = new Utf8JsonWriter(response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteString("user"u8, report.User);
            json.WriteString("tier"u8, report.Tier);
            if (report.Model is not null)
            {
                json.WriteString("model"u8, report.Model);
            }

            WriteLimit(json, "requests"u8, report.Requests);
            WriteLimit(json, "tokens"u8, report.Tokens);
            if (report.Budgets.Count > 0)
            {
                json.WriteStartArray("budgets"u8);
                foreach (var budget in report.Budgets)
                {
                    WriteBudget(json, budget);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static void WriteBudget(Utf8JsonWriter json, BudgetUsage budget)
    {
        json.WriteStartObject();
        json.WriteString("name"u8, budget.Name);
        json.WriteString("counts"u8, budget.Counts);
        json.WriteString("period"u8, budget.Period);
        json.WriteNumber("limit"u8, budget.Limit);
        json.WriteNumber("used"u8, budget.Used);
        json.WriteNumber("remaining"u8, budget.Remaining);
        json.WriteString("periodStart"u8, budget.PeriodStart.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteNumber("resetsInSeconds"u8, RateLimitHeaders.Seconds(budget.ResetsIn));
        json.WriteString("resetsAt"u8, budget.ResetsAt.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteEndObject();
    }

    private static void WriteLimit(Utf8JsonWriter json, ReadOnlySpan<byte> name, LimitUsage usage)
    {
        json.WriteStartObject(name);
        json.WriteNumber("limit"u8, usage.Limit);
        json.WriteNumber("used"u8, usage.Used);
        json.WriteNumber("remaining"u8, usage.Remaining);
        json.WriteNumber("windowSeconds"u8, RateLimitHeaders.Seconds(usage.Window));
        json.WriteNumber("resetsInSeconds"u8, RateLimitHeaders.Seconds(usage.ResetsIn));
        json.WriteString("resetsAt"u8, usage.ResetsAt.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteEndObject();
    }
}
