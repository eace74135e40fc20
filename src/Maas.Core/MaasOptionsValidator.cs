using Maas.Tiers;
using Microsoft.Extensions.Options;

namespace Maas;

/// <summary>
/// Checks the rules that span several settings (lifetime bounds, unique tier names, models that
/// name existing tiers, signing key files that exist), so a wrong configuration stops start-up with one clear line.
/// </summary>
internal sealed class MaasOptionsValidator : IValidateOptions<MaasOptions>
{
    public ValidateOptionsResult Validate(string? name, MaasOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Issuer))
        {
            failures.Add("Maas:Issuer must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add("Maas:Audience must not be empty.");
        }

        CheckLifetimes("Maas:Tokens", options.Tokens, failures);
        CheckKeyFiles(options.Signing.KeyFiles, failures);
        CheckLifetimes("Maas:ApiKeys", options.ApiKeys, failures);
        CheckRotation(options.ApiKeys.Rotation, failures);
        CheckEphemeral(options.ApiKeys.Ephemeral, failures);
        if (!ApiKeys.ApiKeyFormat.IsPrefix(options.ApiKeys.Prefix))
        {
            failures.Add($"Maas:ApiKeys:Prefix must be {ApiKeys.ApiKeyFormat.Prefix} or {ApiKeys.ApiKeyFormat.LaterPrefix} (got '{options.ApiKeys.Prefix}').");
        }

        var tierNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Tiers.Count; i++)
        {
            Tier tier = options.Tiers[i];
            if (string.IsNullOrWhiteSpace(tier.Name))
            {
                failures.Add($"Maas:Tiers:{i}:Name must not be empty.");
            }
            else if (!tierNames.Add(tier.Name))
            {
                failures.Add($"Maas:Tiers has two tiers named '{tier.Name}'; tier names must be unique.");
            }

            if (tier.Limits.Requests < 0 || tier.Limits.TokensPerMinute < 0 || tier.Limits.Window.Nanoseconds <= 0)
            {
                failures.Add($"Maas:Tiers:{i}:Limits of tier '{tier.Name}' must be non-negative with a positive Window.");
            }

            CheckBudgets(i, tier, failures);
        }

        var modelIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Models.Count; i++)
        {
            var model = options.Models[i];
            if (string.IsNullOrWhiteSpace(model.Id))
            {
                failures.Add($"Maas:Models:{i}:Id must not be empty.");
            }
            else if (!modelIds.Add(model.Id))
            {
                failures.Add($"Maas:Models has two models with id '{model.Id}'.");
            }

            if (model.MaxTokens is <= 0)
            {
                failures.Add($"Maas:Models:{i}:MaxTokens of model '{model.Id}' must be positive when set (got {model.MaxTokens}).");
            }

            foreach (var tierName in model.Tiers)
            {
                if (!tierNames.Contains(tierName))
                {
                    failures.Add($"Maas:Models:{i}:Tiers names tier '{tierName}', which is not configured.");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckBudgets(int index, Tier tier, List<string> failures)
    {
        var periods = new HashSet<BudgetPeriod>();
        for (var j = 0; j < tier.Limits.Budgets.Count; j++)
        {
            var key = $"Maas:Tiers:{index}:Limits:Budgets:{j}";
            var budget = tier.Limits.Budgets[j];
            if (budget is null)
            {
                failures.Add($"{key} of tier '{tier.Name}' must not be empty.");
                continue;
            }

            if (!BudgetPeriod.TryParse(budget.Period, out var period, out var error))
            {
                failures.Add($"{key}:Period of tier '{tier.Name}': {error}.");
            }
            else if (!periods.Add(period))
            {
                failures.Add($"{key}:Period of tier '{tier.Name}' repeats '{period}'; a tier has at most one budget per period (set Tokens and Requests in the same one).");
            }

            CheckAmount(key + ":Tokens", tier.Name, budget.Tokens, failures);
            CheckAmount(key + ":Requests", tier.Name, budget.Requests, failures);
        }

        static void CheckAmount(string key, string tierName, long amount, List<string> failures)
        {
            if (amount is < 0 or > TierBudget.MaxAmount)
            {
                failures.Add($"{key} of tier '{tierName}' must lie between 0 (no budget) and {TierBudget.MaxAmount} (got {amount}).");
            }
        }
    }

    private static void CheckKeyFiles(IList<string> files, List<string> failures)
    {
        for (var i = 0; i < files.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(files[i]))
            {
                failures.Add($"Maas:Signing:KeyFiles:{i} must name a PEM file.");
            }
            else if (!File.Exists(files[i]))
            {
                failures.Add($"Maas:Signing:KeyFiles:{i} names '{files[i]}', which does not exist or cannot be seen by this process.");
            }
        }
    }

    private static void CheckRotation(ApiKeys.KeyRotationOptions rotation, List<string> failures)
    {
        // Zero is a valid grace (the old key stops at once); a negative one is not.
        if (rotation.MaximumGrace.Nanoseconds < 0)
        {
            failures.Add($"Maas:ApiKeys:Rotation:MaximumGrace must not be negative (got {rotation.MaximumGrace}).");
        }
        else if (rotation.DefaultGrace.Nanoseconds < 0 || rotation.DefaultGrace > rotation.MaximumGrace)
        {
            failures.Add($"Maas:ApiKeys:Rotation:DefaultGrace ({rotation.DefaultGrace}) must lie between 0s and MaximumGrace ({rotation.MaximumGrace}).");
        }
    }

    private static void CheckEphemeral(ApiKeys.EphemeralKeyOptions ephemeral, List<string> failures)
    {
        if (ephemeral.SweepInterval.Nanoseconds < 0 || ephemeral.SweepInterval > Durations.GoDuration.FromHours(24))
        {
            failures.Add($"Maas:ApiKeys:Ephemeral:SweepInterval must lie between 0s (off) and 24h (got {ephemeral.SweepInterval}).");
        }
        else if (ephemeral.SweepInterval.Nanoseconds is > 0 and < 1_000_000_000)
        {
            failures.Add($"Maas:ApiKeys:Ephemeral:SweepInterval must be 0s (off) or at least 1s (got {ephemeral.SweepInterval}).");
        }

        if (ephemeral.Grace.Nanoseconds < 0 || ephemeral.Grace > Durations.GoDuration.FromHours(720))
        {
            failures.Add($"Maas:ApiKeys:Ephemeral:Grace must lie between 0s and 720h (got {ephemeral.Grace}).");
        }

        if (ephemeral.BatchSize is < 1 or > 100_000)
        {
            failures.Add($"Maas:ApiKeys:Ephemeral:BatchSize must lie between 1 and 100000 (got {ephemeral.BatchSize}).");
        }
    }

    private static void CheckLifetimes(string section, LifetimePolicy policy, List<string> failures)
    {
        if (policy.Minimum.Nanoseconds <= 0)
        {
            failures.Add($"{section}:Minimum must be positive (got {policy.Minimum}).");
        }

        if (policy.Minimum > policy.Maximum)
        {
            failures.Add($"{section}:Minimum ({policy.Minimum}) is above {section}:Maximum ({policy.Maximum}).");
        }
        else if (policy.Default < policy.Minimum || policy.Default > policy.Maximum)
        {
            failures.Add($"{section}:Default ({policy.Default}) must lie between Minimum ({policy.Minimum}) and Maximum ({policy.Maximum}).");
        }
    }
}
