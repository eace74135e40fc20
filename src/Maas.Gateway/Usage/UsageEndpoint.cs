using System.Text.Json;
using Maas.ApiKeys;
using Maas.Gateway.Forwarding;
using Maas.Gateway.Limits;
using Maas.Gateway.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Maas.Gateway.Usage;

/// <summary>
/// <c>GET /v1/usage</c>: the caller's tier, its limits, what the caller used in the current windows
/// and when each resets. Reads the counters without counting the call. When limits are counted per
/// model (<see cref="GatewayLimitOptions.PerModel"/>) the caller names the model: <c>?model=&lt;id&gt;</c>.
/// </summary>
internal sealed class UsageEndpoint(GatewayPipeline pipeline, ILimitCounter counter, IOptions<GatewayLimitOptions> limitOptions, TimeProvider time)
{
    private readonly GatewayLimitOptions _limits = limitOptions.Value;

    public async Task GetAsync(HttpContext context)
    {
        var (_, validation) = await pipeline.AuthenticateAsync(context).ConfigureAwait(false);
        if (validation is null)
        {
            return;
        }

        var tier = validation.Tier!;
        string? model = context.Request.Query["model"];
        if (_limits.PerModel && string.IsNullOrEmpty(model))
        {
            await OpenAiErrorAnswer.BadRequest(context, "'model' is required: limits are counted per model here; ask for /v1/usage?model=<id>.").ConfigureAwait(false);
            return;
        }

        var partition = LimitPartition.For(tier.Name, validation.User!.Name, model ?? "", _limits);
        LimitState requests, tokens;
        try
        {
            (requests, tokens) = await counter.ReadAsync(partition, tier.Limits, context.RequestAborted).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            // The shared counters (Redis) are unreachable; the counter has logged it.
            context.Response.Headers.RetryAfter = "5";
            await OpenAiErrorAnswer.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The rate-limit counters are unavailable; retry shortly.", "server_error", "limits_unavailable").ConfigureAwait(false);
            return;
        }

        var now = time.GetUtcNow();
        var response = context.Response;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        using (var json = new Utf8JsonWriter(response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteString("user"u8, validation.User.Name);
            json.WriteString("tier"u8, tier.Name);
            if (partition.Model is not null)
            {
                json.WriteString("model"u8, partition.Model);
            }

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
