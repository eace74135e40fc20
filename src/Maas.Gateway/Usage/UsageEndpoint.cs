using System.Text.Json;
using Maas.Gateway.Forwarding;
using Maas.Gateway.Limits;
using Microsoft.AspNetCore.Http;

namespace Maas.Gateway.Usage;

/// <summary>
/// <c>GET /v1/usage</c>: the caller's tier, its limits, what the caller used in the current windows
/// and when each resets. Reads the counters without counting the call.
/// </summary>
internal sealed class UsageEndpoint(GatewayPipeline pipeline, ILimitCounter counter, TimeProvider time)
{
    public async Task GetAsync(HttpContext context)
    {
        var (_, validation) = await pipeline.AuthenticateAsync(context).ConfigureAwait(false);
        if (validation is null)
        {
            return;
        }

        var tier = validation.Tier!;
        var (requests, tokens) = await counter.ReadAsync(new LimitPartition(tier.Name, validation.User!.Name, null), tier.Limits, context.RequestAborted).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var response = context.Response;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        using (var json = new Utf8JsonWriter(response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteString("user"u8, validation.User.Name);
            json.WriteString("tier"u8, tier.Name);
            WriteLimit(json, "requests"u8, requests, now);
            WriteLimit(json, "tokens"u8, tokens, now);
            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static void WriteLimit(Utf8JsonWriter json, ReadOnlySpan<byte> name, LimitState state, DateTimeOffset now)
    {
        json.WriteStartObject(name);
        json.WriteNumber("limit"u8, state.Limit);
        json.WriteNumber("used"u8, state.Used);
        json.WriteNumber("remaining"u8, state.Limit == 0 ? 0 : state.Remaining);
        json.WriteNumber("windowSeconds"u8, Responses.RateLimitHeaders.Seconds(state.Window));
        json.WriteNumber("resetsInSeconds"u8, Responses.RateLimitHeaders.Seconds(state.ResetsIn));
        json.WriteString("resetsAt"u8, (now + state.ResetsIn).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteEndObject();
    }
}
