namespace Maas.Hosting.Throttling;

/// <summary>Which credential failed: named in log lines, never the credential itself.</summary>
public enum FailedAuthenticationKind
{
    /// <summary>HTTP Basic credentials of a gateway client on <c>POST /v1/introspect</c>.</summary>
    IntrospectionClient,

    /// <summary>The gateway shared-secret header next to identity headers.</summary>
    GatewaySecret,

    /// <summary>A bearer token or key presented to a Maas endpoint.</summary>
    BearerCredential,
}
