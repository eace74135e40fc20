using Microsoft.Extensions.Options;

namespace Maas.Gateway.Limits;

/// <summary>Refuses to start with limit options that cannot work, naming the setting.</summary>
internal sealed class GatewayLimitOptionsValidator : IValidateOptions<GatewayLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayLimitOptions options)
    {
        var failures = new List<string>();
        if (!Enum.IsDefined(options.FailureMode))
        {
            failures.Add($"{GatewayLimitOptions.SectionName}:FailureMode must be Open or Closed.");
        }

        if (string.IsNullOrWhiteSpace(options.KeyPrefix) || options.KeyPrefix.Any(char.IsControl))
        {
            failures.Add($"{GatewayLimitOptions.SectionName}:KeyPrefix must be a non-empty Redis key prefix without control characters, such as 'maas:limits:'.");
        }

        if (!string.IsNullOrWhiteSpace(options.Redis))
        {
            try
            {
                RedisLimitCounter.CreateConfiguration(options.Redis);
            }
            catch (ArgumentException ex)
            {
                // The value is not repeated: it may hold a password.
                failures.Add($"{GatewayLimitOptions.SectionName}:Redis is not a valid StackExchange.Redis configuration string ({ex.GetType().Name}); expected for example 'redis:6379,password=...,ssl=true'.");
            }
        }

        if (FindTimeZone(options.TimeZone) is null)
        {
            failures.Add($"{GatewayLimitOptions.SectionName}:TimeZone '{options.TimeZone}' is not a time zone this system knows; expected an IANA id such as 'UTC' or 'Europe/Berlin'.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Returns the time zone named <paramref name="id"/> (an IANA or Windows id), or <see langword="null"/> when there is none by that name.</summary>
    internal static TimeZoneInfo? FindTimeZone(string? id)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > 128 || id.Any(char.IsControl))
        {
            return null;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or System.Security.SecurityException)
        {
            return null;
        }
    }
}
