namespace Maas.Gateway;

/// <summary>
/// How the Maas gateway forwards a model call: which headers tell the model side who calls, how
/// long an upstream may stay silent, and what a call that names no <c>max_tokens</c> is assumed to
/// use. Binds from <c>Maas:Gateway:Forwarding</c>; validated at start.
/// </summary>
public sealed class GatewayForwardingOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Maas:Gateway:Forwarding";

    /// <summary>Gets or sets the header that carries the caller's user name to the model side (never a credential).</summary>
    /// <value>The default is <c>X-MaaS-User</c>.</value>
    public string UserHeader { get; set; } = "X-MaaS-User";

    /// <summary>Gets or sets the header that carries the caller's tier name to the model side.</summary>
    /// <value>The default is <c>X-MaaS-Tier</c>.</value>
    public string TierHeader { get; set; } = "X-MaaS-Tier";

    /// <summary>
    /// Gets or sets how long the upstream may stay silent (no answer headers, no body bytes) before the
    /// call is abandoned with 504; it restarts with every chunk, so long streams are not cut.
    /// </summary>
    /// <value>The default is 100 seconds (YARP's activity timeout).</value>
    public TimeSpan UpstreamTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// Gets or sets the completion tokens reserved for a call that sets neither <c>max_tokens</c> nor
    /// <c>max_completion_tokens</c>; the reservation is replaced by the answer's real count.
    /// </summary>
    /// <value>The default is 256.</value>
    public int DefaultMaxTokens { get; set; } = 256;

    /// <summary>
    /// Gets or sets the largest <c>max_tokens</c> (or <c>max_completion_tokens</c>) a call may ask
    /// for, for models that set no <c>Maas:Models:N:MaxTokens</c> of their own; a larger one is
    /// answered with 400 naming the member, as OpenAI answers a value beyond a model's limit. It
    /// bounds what one call can reserve against its tier's token limit.
    /// </summary>
    /// <value>The default is 1,048,576 (2^20).</value>
    public int MaxTokens { get; set; } = DefaultMaxTokensBound;

    /// <summary>
    /// Gets or sets the largest non-streamed answer the gateway holds until it ends, so that its
    /// headers carry the call's usage (<c>x-odhu-usage-input-tokens</c>, <c>-output-tokens</c>,
    /// <c>-total-tokens</c>) and the <c>RateLimit</c> left after it was settled. A larger answer
    /// (announced larger, or growing past it) goes on as it comes, with the <c>RateLimit</c> of its
    /// reservation and without the <c>x-odhu-usage-*</c> headers; 0 holds none. At most 4 MiB.
    /// </summary>
    /// <value>The default is 1 MiB (1,048,576 bytes).</value>
    public int MaxHeldAnswerBytes { get; set; } = DefaultMaxHeldAnswerBytes;

    /// <summary>The default of <see cref="MaxTokens"/>.</summary>
    internal const int DefaultMaxTokensBound = 1 << 20;

    /// <summary>The default of <see cref="MaxHeldAnswerBytes"/>.</summary>
    internal const int DefaultMaxHeldAnswerBytes = 1 << 20;
}
