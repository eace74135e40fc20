using Microsoft.Extensions.Options;

namespace Maas.Validation;

/// <summary>Stops start-up with one clear line when <c>Maas:Validation</c> holds a value that cannot work.</summary>
internal sealed class ValidationOptionsValidator : IValidateOptions<MaasOptions>
{
    /// <summary>The smallest cache that still keeps two generations.</summary>
    public const int MinimumCapacity = 2;

    public ValidateOptionsResult Validate(string? name, MaasOptions options)
    {
        var validation = options.Validation;
        var failures = new List<string>();
        if (validation.CacheCapacity < MinimumCapacity)
        {
            failures.Add($"Maas:Validation:CacheCapacity must be at least {MinimumCapacity} (got {validation.CacheCapacity}).");
        }

        if (validation.NegativeCacheDuration.Nanoseconds <= 0)
        {
            failures.Add($"Maas:Validation:NegativeCacheDuration must be positive (got {validation.NegativeCacheDuration}).");
        }

        if (validation.UsageFlushInterval.ToTimeSpan() < TimeSpan.FromMilliseconds(100))
        {
            failures.Add($"Maas:Validation:UsageFlushInterval must be at least 100ms (got {validation.UsageFlushInterval}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
