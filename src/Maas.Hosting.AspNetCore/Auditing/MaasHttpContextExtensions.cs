using Maas.Auditing;
using Maas.Hosting.Auditing;

namespace Microsoft.AspNetCore.Http;

/// <summary>Reads what the audit trail records about a request, for a host's own pages and endpoints that call the Maas services (such as <see cref="Maas.ApiKeys.ApiKeyService"/>).</summary>
public static class MaasHttpContextExtensions
{
    /// <summary>
    /// Returns the request's audit context: its W3C trace id when traced (else ASP.NET Core's request
    /// identifier) and the client's address, as the Maas endpoints record them.
    /// </summary>
    public static MaasRequestContext GetMaasRequestContext(this HttpContext context) => RequestContexts.From(context);
}
