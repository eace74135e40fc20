using Microsoft.Extensions.Options;

namespace Maas.ModelSimulator;

/// <summary>Rejects options the simulator cannot serve with, at start-up rather than on the first request.</summary>
internal sealed class ModelSimulatorOptionsValidator : IValidateOptions<ModelSimulatorOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelSimulatorOptions options)
    {
        var failures = new List<string>();
        if (options.Models is null || options.Models.Count == 0)
        {
            failures.Add("Simulator:Models must name at least one model.");
        }
        else if (options.Models.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add("Simulator:Models must not contain an empty model id.");
        }

        if (!Enum.IsDefined(options.Mode))
        {
            failures.Add($"Simulator:Mode must be {nameof(SimulatorMode.Random)} or {nameof(SimulatorMode.Echo)}.");
        }

        if (options.TimeToFirstToken < TimeSpan.Zero)
        {
            failures.Add("Simulator:TimeToFirstToken must not be negative.");
        }

        if (options.InterTokenLatency < TimeSpan.Zero)
        {
            failures.Add("Simulator:InterTokenLatency must not be negative.");
        }

        if (options.OwnedBy is null)
        {
            failures.Add("Simulator:OwnedBy must not be null.");
        }

        if (options.Created < 0)
        {
            failures.Add("Simulator:Created must not be negative.");
        }

        if (options.DefaultMaxTokens < 1)
        {
            failures.Add("Simulator:DefaultMaxTokens must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
