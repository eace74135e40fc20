namespace Maas.Auditing;

/// <summary>
/// What the host knows about the request behind an action, for the audit trail: its id and the
/// client's address. Hosts fill it from their own request (ASP.NET Core: the W3C trace id and the
/// connection's remote address).
/// </summary>
public sealed record MaasRequestContext
{
    /// <summary>Gets a context that knows nothing (actions taken outside a request).</summary>
    public static MaasRequestContext None { get; } = new();

    /// <summary>Gets the request's id (a W3C trace id, or the host's request identifier), when known.</summary>
    public string? RequestId { get; init; }

    /// <summary>Gets the client's address, when known.</summary>
    public string? ClientAddress { get; init; }
}
