using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Maas.Gateway.Forwarding;

/// <summary>
/// The one HTTP client every forwarded call shares, configured as YARP's direct-forwarding guide
/// says (no proxy, redirects, decompression or cookies), and the per-call settings (the upstream
/// activity timeout that turns a silent upstream into 504).
/// </summary>
internal sealed class UpstreamClient : IDisposable
{
    public UpstreamClient(IOptions<GatewayForwardingOptions> options)
    {
        Invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
            ConnectTimeout = TimeSpan.FromSeconds(15),
        });
        RequestConfig = new ForwarderRequestConfig { ActivityTimeout = options.Value.UpstreamTimeout };
    }

    public HttpMessageInvoker Invoker { get; }

    public ForwarderRequestConfig RequestConfig { get; }

    public void Dispose() => Invoker.Dispose();
}
