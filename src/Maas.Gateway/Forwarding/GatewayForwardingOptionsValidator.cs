using Microsoft.Extensions.Options;

namespace Maas.Gateway.Forwarding;

/// <summary>Refuses forwarding settings that would leak or lose the caller's identity or never time out.</summary>
internal sealed class GatewayForwardingOptionsValidator : IValidateOptions<GatewayForwardingOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayForwardingOptions options)
    {
        var failures = new List<string>();
        CheckHeader(nameof(options.UserHeader), options.UserHeader, failures);
        CheckHeader(nameof(options.TierHeader), options.TierHeader, failures);
        if (string.Equals(options.UserHeader, options.TierHeader, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{GatewayForwardingOptions.SectionName}:UserHeader and TierHeader must differ.");
        }

        if (options.UpstreamTimeout <= TimeSpan.Zero || options.UpstreamTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"{GatewayForwardingOptions.SectionName}:UpstreamTimeout must be positive and at most 1 hour (got {options.UpstreamTimeout}).");
        }

        if (options.DefaultMaxTokens < 0)
        {
            failures.Add($"{GatewayForwardingOptions.SectionName}:DefaultMaxTokens must not be negative (got {options.DefaultMaxTokens}).");
        }

        if (options.MaxTokens <= 0)
        {
            failures.Add($"{GatewayForwardingOptions.SectionName}:MaxTokens must be positive (got {options.MaxTokens}).");
        }

        if (options.MaxHeldAnswerBytes is < 0 or > Responses.UsageMeteringStream.MaxCapturedBytes)
        {
            failures.Add($"{GatewayForwardingOptions.SectionName}:MaxHeldAnswerBytes must be 0 (hold no answer) to {Responses.UsageMeteringStream.MaxCapturedBytes} (4 MiB) (got {options.MaxHeldAnswerBytes}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckHeader(string property, string? value, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(value) || !value.All(IsTokenChar))
        {
            failures.Add($"{GatewayForwardingOptions.SectionName}:{property} must be a header name (letters, digits, '-').");
        }
        else if (value.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || value.Equals("Cookie", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{GatewayForwardingOptions.SectionName}:{property} must not be {value}.");
        }
    }

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
}
