using Microsoft.Extensions.Options;

namespace Maas.Gateway.Usage;

/// <summary>Refuses to start with ledger options out of range, naming the setting.</summary>
internal sealed class GatewayLedgerOptionsValidator : IValidateOptions<GatewayLedgerOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayLedgerOptions options)
    {
        var failures = new List<string>();
        if (options.FlushInterval < TimeSpan.FromMilliseconds(100) || options.FlushInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{GatewayLedgerOptions.SectionName}:FlushInterval must be from 100 ms to 1 minute, such as 00:00:01.");
        }

        if (options.MaxPendingRows is < 1_000 or > 10_000_000)
        {
            failures.Add($"{GatewayLedgerOptions.SectionName}:MaxPendingRows must be from 1000 to 10000000.");
        }

        if (options.Retention < TimeSpan.FromDays(1) || options.Retention > TimeSpan.FromDays(3650))
        {
            failures.Add($"{GatewayLedgerOptions.SectionName}:Retention must be from 1 to 3650 days, such as 400.00:00:00.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
