using Maas.Gateway.Responses;
using Maas.Gateway.Steps;
using Maas.Hosting.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Maas.Gateway.Forwarding;

/// <summary>
/// YARP's default header copy, then what the model must and must not see: no <c>Authorization</c>,
/// no identity headers the caller may have forged, no header or query value carrying the caller's
/// credential; the user and tier in the configured headers; the model's upstream path. On the way
/// back, the gateway's <c>x-request-id</c> in place of the upstream's, and the <c>RateLimit</c>
/// headers: of the reservation on a stream, or on a JSON answer held until it ends (up to
/// <see cref="GatewayForwardingOptions.MaxHeldAnswerBytes"/>) of the settled call, with the
/// <c>x-odhu-usage-*</c> headers (<see cref="UsageHeaders"/>).
/// </summary>
internal sealed class UpstreamTransformer : HttpTransformer
{
    private readonly string _userHeader;
    private readonly string _tierHeader;
    private readonly string[] _dropped;
    private readonly int _maxHeldAnswerBytes;

    public UpstreamTransformer(IOptions<GatewayForwardingOptions> options, IOptions<TrustedGatewayOptions> identity)
    {
        _userHeader = options.Value.UserHeader;
        _tierHeader = options.Value.TierHeader;
        _maxHeldAnswerBytes = options.Value.MaxHeldAnswerBytes;
        _dropped =
        [
            "Authorization", "Proxy-Authorization", "Expect", _userHeader, _tierHeader,
            identity.Value.UserHeader, identity.Value.GroupHeader, identity.Value.SecretHeader,
        ];
    }

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        var call = httpContext.Features.GetRequiredFeature<GatewayCallContext>();
        var headers = proxyRequest.Headers;
        foreach (var name in _dropped)
        {
            headers.Remove(name);
        }

        // A client may repeat its credential in any header (api-key, x-api-key, cookies...): none goes on.
        foreach (var header in httpContext.Request.Headers)
        {
            foreach (var value in header.Value)
            {
                if (value is not null && value.Contains(call.Credential, StringComparison.Ordinal))
                {
                    if (header.Key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
                    {
                        proxyRequest.Content?.Headers.Remove(header.Key);
                    }
                    else
                    {
                        headers.Remove(header.Key);
                    }

                    break;
                }
            }
        }

        headers.TryAddWithoutValidation(_userHeader, call.User.Name);
        headers.TryAddWithoutValidation(_tierHeader, call.Tier.Name);
        proxyRequest.RequestUri = new Uri(destinationPrefix + call.UpstreamPath + Query(httpContext.Request.QueryString, call.Credential));
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var result = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
        RequestIdHeader.Write(httpContext);
        var call = httpContext.Features.Get<GatewayCallContext>();
        var held = false;
        if (call is not null && proxyResponse is not null)
        {
            call.UpstreamStatus = (int)proxyResponse.StatusCode;
            if (call.Metering is { } metering)
            {
                // Metered as what the upstream sends, not what the request seemed to ask for.
                var content = proxyResponse.Content.Headers;
                if (content.ContentType?.MediaType is { } mediaType)
                {
                    metering.IsEventStream = string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);
                }

                // A JSON answer announced larger than the bound is not held at all.
                if (content.ContentLength is not { } length || length <= _maxHeldAnswerBytes)
                {
                    metering.HoldUpTo(_maxHeldAnswerBytes);
                    held = metering.IsHeld;
                }
            }
        }

        // A held answer's RateLimit headers are written when it ends (settled) or is let go (as they stand now).
        if (!held && call?.Decision is { } decision)
        {
            RateLimitHeaders.Write(httpContext.Response.Headers, decision);
        }

        if (call?.DropUsageChunk == true)
        {
            // The usage chunk the client did not ask for is removed: the length would no longer match.
            httpContext.Response.Headers.ContentLength = null;
        }

        return result;
    }

    private static string Query(QueryString query, string credential)
    {
        if (!query.HasValue)
        {
            return "";
        }

        var text = query.Value!;
        if (!text.Contains(credential, StringComparison.Ordinal) && !Uri.UnescapeDataString(text).Contains(credential, StringComparison.Ordinal))
        {
            return text;
        }

        var kept = new List<KeyValuePair<string, string?>>();
        foreach (var (key, values) in QueryHelpers.ParseQuery(text))
        {
            foreach (var value in values)
            {
                if (!key.Contains(credential, StringComparison.Ordinal) && value?.Contains(credential, StringComparison.Ordinal) != true)
                {
                    kept.Add(new(key, value));
                }
            }
        }

        return QueryString.Create(kept).ToString();
    }
}
