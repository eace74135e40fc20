using Microsoft.Extensions.Options;

namespace Maas.Validation;

/// <summary>
/// Stops start-up with one clear line when <c>Maas:Validation</c> holds a duration that cannot work
/// and evaluates the annotations on <see cref="ValidationOptions"/>.
/// </summary>
internal sealed class ValidationOptionsValidator : IValidateOptions<MaasOptions>
{
    /// <summary>The smallest cache that still keeps two generations.</summary>
    public const int MinimumCapacity = 2;

    private static readonly ValidationOptionsAnnotations s_annotations = new();

    public ValidateOptionsResult Validate(string? name, MaasOptions options)
    {
        var validation = options.Validation;
        var failures = new List<string>();

        // The generated validator names the member ("CacheCapacity: The field ... must be between 2 and ...");
        // the section makes it the setting's full name. Its [Range] ignores ErrorMessage (dotnet/runtime#123137).
        foreach (var failure in s_annotations.Validate(null, validation).Failures ?? [])
        {
            failures.Add("Maas:Validation:" + failure);
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
