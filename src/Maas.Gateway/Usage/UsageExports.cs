using System.Diagnostics.Metrics;
using Maas.Gateway.Diagnostics;
using Maas.Gateway.Responses;
using Maas.Gateway.Steps;
using Maas.Usage;
using Maas.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Maas.Gateway.Usage;

/// <summary>
/// Each settled call, as the usage ledger records it, exported beyond the ledger when
/// <see cref="GatewayUsageExportOptions"/> switch it on: into the per-user counters
/// (<see cref="UserUsageMetrics"/>) and as one structured log event (<c>UsageRecorded</c>, in category <see cref="UsageRecordsCategory"/>).
/// Off (the default), a call pays one check of <see cref="Enabled"/>.
/// </summary>
internal sealed partial class UsageExports
{
    /// <summary>The category of the usage records, so a host can route them (or keep them off its console) by name.</summary>
    public const string UsageRecordsCategory = "Maas.Gateway.UsageRecords";

    private readonly UserUsageMetrics? _metrics;
    private readonly ILogger? _records;

    public UsageExports(IOptions<GatewayUsageExportOptions> options, IMeterFactory meterFactory, ILoggerFactory loggerFactory)
    {
        var value = options.Value;
        if (value.UserCounters)
        {
            _metrics = new UserUsageMetrics(meterFactory, value.MaxUserSeries, loggerFactory.CreateLogger<UserUsageMetrics>());
        }

        if (value.LogRecords)
        {
            _records = loggerFactory.CreateLogger(UsageRecordsCategory);
        }

        Enabled = _metrics is not null || _records is not null;
    }

    /// <summary>Whether anything is exported.</summary>
    public bool Enabled { get; }

    /// <summary>The per-user counters, when on (for tests).</summary>
    internal UserUsageMetrics? Metrics => _metrics;

    /// <summary>Exports a call that reached the limit counters, settled with <paramref name="outcome"/> and the usage its answer reported.</summary>
    public void Settled(GatewayCallContext context, CredentialValidation validation, string model, UsageOutcome outcome, TokenUsage? usage)
    {
        var user = context.User.Name;
        var tier = context.Tier.Name;
        if (_metrics is { } metrics)
        {
            if (outcome == UsageOutcome.Limited)
            {
                metrics.Limited(user, tier, model);
            }
            else
            {
                // What the limit counters were charged (the answer's total_tokens when it showed usage), as a TokenRateLimitPolicy counts.
                metrics.Authorized(user, tier, model, context.SettledTokens ?? usage?.TotalTokens ?? 0);
            }
        }

        if (_records is { } records && records.IsEnabled(LogLevel.Information))
        {
            var isKey = validation.Kind == CredentialKind.ApiKey;
            var outcomeName = OutcomeName(outcome);
            UsageRecorded(
                records,
                user,
                isKey ? "api_key" : UsageIncrement.TokenCredential,
                isKey ? validation.Id ?? "" : "",
                tier,
                model,
                outcomeName,
                1,
                usage?.PromptTokens ?? 0,
                usage?.CompletionTokens ?? 0);
        }
    }

    private static string OutcomeName(UsageOutcome outcome) => outcome switch
    {
        UsageOutcome.Limited => GatewayMetrics.Limited,
        UsageOutcome.UpstreamError => GatewayMetrics.UpstreamError,
        _ => GatewayMetrics.Allowed,
    };

    [LoggerMessage(EventId = 8040, EventName = "UsageRecorded", Level = LogLevel.Information, Message = "Usage: user {User}, {CredentialKind} {KeyId}, tier {Tier}, model {Model}, {Outcome}: {Requests} request(s), {PromptTokens} prompt and {CompletionTokens} completion tokens")]
    private static partial void UsageRecorded(ILogger logger, string user, string credentialKind, string keyId, string tier, string model, string outcome, int requests, long promptTokens, long completionTokens);
}
