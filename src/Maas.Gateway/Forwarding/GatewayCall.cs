using Maas.Gateway.Limits;
using Maas.Gateway.Responses;

namespace Maas.Gateway.Forwarding;

/// <summary>One call on its way to the upstream: what the transformer needs to rewrite it (set as an HttpContext feature).</summary>
internal sealed class GatewayCall
{
    public required GatewayModel Model { get; init; }

    public required string User { get; init; }

    public required string Tier { get; init; }

    /// <summary>Gets the credential the caller presented, so that no copy of it reaches the upstream.</summary>
    public required string Credential { get; init; }

    /// <summary>Gets the path on the upstream, for example <c>/v1/chat/completions</c>.</summary>
    public required string UpstreamPath { get; init; }

    public LimitDecision? Decision { get; init; }

    /// <summary>Gets whether the gateway asked for the stream's usage chunk on the client's behalf and must drop it.</summary>
    public bool DropUsageChunk { get; init; }

    /// <summary>Gets the stream the answer passes through, told by the transformer whether the upstream answered a stream.</summary>
    public UsageMeteringStream? Metering { get; init; }

    /// <summary>Gets or sets the status of the upstream's answer once its headers arrived; <see langword="null"/> while (or if) none did.</summary>
    public int? UpstreamStatus { get; set; }
}
