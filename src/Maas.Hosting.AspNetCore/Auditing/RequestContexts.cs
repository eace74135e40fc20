using System.Diagnostics;
using Maas.Auditing;
using Microsoft.AspNetCore.Http;

namespace Maas.Hosting.Auditing;

/// <summary>
/// What the audit trail records about a request. The request id is the W3C trace id when the
/// request is traced (it then matches the caller's <c>traceparent</c>, the logs and the spans),
/// otherwise ASP.NET Core's <see cref="HttpContext.TraceIdentifier"/>. The client address is the
/// connection's remote address: behind proxies, the host's forwarded-headers middleware makes it the
/// client's.
/// </summary>
internal static class RequestContexts
{
    public static MaasRequestContext From(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var activity = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpActivityFeature>()?.Activity ?? Activity.Current;
        var requestId = activity is { IdFormat: ActivityIdFormat.W3C } && activity.TraceId != default
            ? activity.TraceId.ToHexString()
            : context.TraceIdentifier;
        return new MaasRequestContext
        {
            RequestId = requestId,
            ClientAddress = context.Connection.RemoteIpAddress is { } address
                ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString()
                : null,
        };
    }
}
