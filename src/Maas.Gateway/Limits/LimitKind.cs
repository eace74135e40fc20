namespace Maas.Gateway.Limits;

/// <summary>The two limits a tier sets.</summary>
internal enum LimitKind
{
    /// <summary>Requests per <see cref="Maas.Tiers.TierLimits.Window"/>.</summary>
    Requests,

    /// <summary>LLM tokens per minute.</summary>
    Tokens,
}
