using Maas.Errors;
using Maas.Tiers;

namespace Maas.ApiKeys;

/// <summary>
/// A key's subscription (the later Go service's name for the quota plan a key draws on): here the
/// name of a tier its owner is entitled to, that is a member of one of its groups. The rules its
/// text follows and the entitlement check, in Maas.Core, so every host answers the same 400
/// (<see cref="Code"/>, the later service's code).
/// </summary>
internal static class ApiKeySubscriptions
{
    /// <summary>The later Go service's code for a subscription that is unknown or not the caller's.</summary>
    public const string Code = "invalid_subscription";

    /// <summary>The longest subscription accepted: a Kubernetes object name's bound, far above any tier name.</summary>
    public const int MaxLength = 253;

    /// <summary>
    /// The subscription asked for, trimmed, or <see langword="null"/> for none (absent or blank).
    /// Throws <see cref="InvalidRequestException"/> (<see cref="Code"/>) for text longer than
    /// <see cref="MaxLength"/> or holding control characters or unpaired surrogates; the message
    /// never repeats the text.
    /// </summary>
    public static string? Normalize(string field, string? subscription)
    {
        var trimmed = subscription?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        if (trimmed.Length > MaxLength)
        {
            throw new InvalidRequestException(field, $"{field} must be at most {MaxLength} characters (got {trimmed.Length}).", Code);
        }

        if (!StorableText.IsStorable(trimmed) || trimmed.AsSpan().ContainsAnyInRange('\0', '\u001f') || trimmed.Contains('\u007f', StringComparison.Ordinal))
        {
            throw new InvalidRequestException(field, $"{field} must not contain control characters or unpaired UTF-16 surrogates.", Code);
        }

        return trimmed;
    }

    /// <summary>
    /// The tier <paramref name="subscription"/> names when <paramref name="groups"/> entitle their
    /// holder to it, else <see cref="InvalidRequestException"/> (<see cref="Code"/>). Unknown and
    /// not entitled answer alike, as in the later Go service, so nobody learns which tiers exist.
    /// </summary>
    public static Tier Resolve(ITierResolver tiers, string field, string subscription, IReadOnlyList<string> groups) =>
        tiers.ResolveSubscription(subscription, groups)
            ?? throw new InvalidRequestException(
                field,
                $"{field}: no tier of that name is available to you; name one of the tiers your groups entitle you to, or leave {field} out for your highest.",
                Code);
}
