using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Maas.Gateway.Responses;

/// <summary>
/// <c>x-request-id</c> on every gateway answer, as OpenAI sends it (its SDKs show it as <c>requestID</c>/<c>request_id</c>
/// and on every error): the W3C trace id when the request is traced, so it matches the logs, the spans and the audit
/// trail's request id; otherwise ASP.NET Core's <see cref="HttpContext.TraceIdentifier"/>. An upstream's own
/// <c>x-request-id</c> is replaced, so a caller quotes the id the gateway's operator can find.
/// </summary>
internal static class RequestIdHeader
{
    public const string Name = "x-request-id";

    public static void Write(HttpContext context)
    {
        var activity = context.Features.Get<IHttpActivityFeature>()?.Activity ?? Activity.Current;
        context.Response.Headers[Name] = activity is { IdFormat: ActivityIdFormat.W3C } && activity.TraceId != default
            ? activity.TraceId.ToHexString()
            : context.TraceIdentifier;
    }
}
