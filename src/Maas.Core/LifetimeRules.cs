using Maas.Durations;
using Maas.Errors;

namespace Maas;

/// <summary>Applies a <see cref="LifetimePolicy"/> to a requested lifetime.</summary>
internal static class LifetimeRules
{
    public static GoDuration Apply(LifetimePolicy policy, GoDuration? requested, string field = "expiration")
    {
        if (requested is not { } value)
        {
            return policy.Default;
        }

        if (value.Nanoseconds <= 0)
        {
            throw new InvalidRequestException(field, $"{field} must be positive (got {value}).");
        }

        if (value < policy.Minimum)
        {
            throw new InvalidRequestException(field, $"{field} must be at least {policy.Minimum} (got {value}).");
        }

        if (value > policy.Maximum)
        {
            throw new InvalidRequestException(field, $"{field} must be at most {policy.Maximum} (got {value}).");
        }

        return value;
    }
}
