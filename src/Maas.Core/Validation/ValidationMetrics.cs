using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Maas.Validation;

/// <summary>
/// The validation instruments of the <c>Maas</c> meter: <c>maas.validations</c> by kind and
/// outcome, and cache hits and misses by cache. Tags are fixed words: never a credential, a hash
/// or a user name.
/// </summary>
internal sealed class ValidationMetrics : IDisposable
{
    /// <summary>The meter name to listen to (OpenTelemetry <c>AddMeter("Maas")</c>).</summary>
    public const string MeterName = "Maas";

    /// <summary>Counts validations; tags <c>kind</c> (token, api_key) and <c>outcome</c>.</summary>
    public const string ValidationsName = "maas.validations";

    /// <summary>Counts validations answered from a cache; tag <c>cache</c> (token, api_key).</summary>
    public const string CacheHitsName = "maas.validation.cache.hits";

    /// <summary>Counts validations that had to verify a signature or ask the store; tag <c>cache</c>.</summary>
    public const string CacheMissesName = "maas.validation.cache.misses";

    /// <summary>Counts API key validations only; tag <c>result</c> (the outcome words). Exported as the Go service's <c>maas_api_key_validation_total</c>.</summary>
    public const string ApiKeyValidationsName = "maas.api_key.validations";

    /// <summary>The span attribute naming the cache outcome of a validation (hit or miss).</summary>
    public const string CacheAttribute = "maas.validation.cache";

    private static readonly string[] s_outcomes = CreateOutcomes();

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _validations;
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _apiKeyValidations;

    public ValidationMetrics(IMeterFactory? meterFactory)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _validations = _meter.CreateCounter<long>(ValidationsName, "{validation}", "Credentials validated, by kind and outcome.");
        _hits = _meter.CreateCounter<long>(CacheHitsName, "{validation}", "Validations answered from a cache.");
        _misses = _meter.CreateCounter<long>(CacheMissesName, "{validation}", "Validations that verified a signature or asked the store.");
        _apiKeyValidations = _meter.CreateCounter<long>(ApiKeyValidationsName, "{validation}", "API key validations, by result.");
    }

    public void Validated(CredentialKind kind, ValidationFailure outcome)
    {
        if (_validations.Enabled)
        {
            _validations.Add(1, new KeyValuePair<string, object?>("kind", KindTag(kind)), new KeyValuePair<string, object?>("outcome", s_outcomes[(int)outcome]));
        }

        if (kind == CredentialKind.ApiKey && _apiKeyValidations.Enabled)
        {
            _apiKeyValidations.Add(1, new KeyValuePair<string, object?>("result", s_outcomes[(int)outcome]));
        }

        ValidationActivity()?.SetTag("maas.credential.kind", KindTag(kind));
    }

    public void CacheHit(CredentialKind kind)
    {
        if (_hits.Enabled)
        {
            _hits.Add(1, new KeyValuePair<string, object?>("cache", KindTag(kind)));
        }

        ValidationActivity()?.SetTag(CacheAttribute, "hit");
    }

    public void CacheMiss(CredentialKind kind)
    {
        if (_misses.Enabled)
        {
            _misses.Add(1, new KeyValuePair<string, object?>("cache", KindTag(kind)));
        }

        ValidationActivity()?.SetTag(CacheAttribute, "miss");
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    /// <summary>The fixed word for a validation outcome (metric tag and span attribute).</summary>
    public static string OutcomeTag(ValidationFailure outcome) => s_outcomes[(int)outcome];

    // The validator runs inside CredentialValidationService's maas.validate span; tag that span, never another.
    private static Activity? ValidationActivity() =>
        Activity.Current is { OperationName: "maas.validate" } activity && activity.Source.Name == MeterName ? activity : null;

    // Anything not shaped like an API key is validated as a token.
    private static string KindTag(CredentialKind kind) => kind == CredentialKind.ApiKey ? "api_key" : "token";

    private static string[] CreateOutcomes()
    {
        var outcomes = new string[Enum.GetValues<ValidationFailure>().Length];
        outcomes[(int)ValidationFailure.None] = "valid";
        outcomes[(int)ValidationFailure.Unknown] = "unknown";
        outcomes[(int)ValidationFailure.Malformed] = "malformed";
        outcomes[(int)ValidationFailure.BadSignature] = "bad_signature";
        outcomes[(int)ValidationFailure.Expired] = "expired";
        outcomes[(int)ValidationFailure.Revoked] = "revoked";
        outcomes[(int)ValidationFailure.NoTier] = "no_tier";
        outcomes[(int)ValidationFailure.WrongIssuer] = "wrong_issuer";
        outcomes[(int)ValidationFailure.WrongAudience] = "wrong_audience";
        outcomes[(int)ValidationFailure.NotYetValid] = "not_yet_valid";
        outcomes[(int)ValidationFailure.UnknownSigningKey] = "unknown_signing_key";
        outcomes[(int)ValidationFailure.UnsupportedAlgorithm] = "unsupported_algorithm";
        outcomes[(int)ValidationFailure.NotEntitled] = "not_entitled";
        return outcomes;
    }
}
