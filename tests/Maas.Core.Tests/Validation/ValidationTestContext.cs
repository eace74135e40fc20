using System.Diagnostics.Metrics;
using Maas.Administration;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Core.Tests.Service;
using Maas.Models;
using Maas.Revocation;
using Maas.Storage.InMemory;
using Maas.Telemetry;
using Maas.Testing;
using Maas.Tiers;
using Maas.Tokens;
using Maas.Users;
using Maas.Validation;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Maas.Core.Tests.Validation;

/// <summary>The Maas services and their validator over an in-memory store that counts calls, on a fake clock.</summary>
internal sealed class ValidationTestContext : IDisposable
{
    public static readonly DateTimeOffset Start = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero).AddTicks(4_321);

    public static readonly MaasUser Alice = new("alice", ["system:authenticated", "tier-premium-users"]);

    public static readonly MaasUser Bob = new("bob", ["system:authenticated"]);

    public ValidationTestContext(int capacity = 1_000, TimeSpan? negativeDuration = null, ITierResolver? tiers = null)
    {
        Options = Microsoft.Extensions.Options.Options.Create(new MaasOptions());
        Options.Value.Validation.CacheCapacity = capacity;
        if (negativeDuration is { } negative)
        {
            Options.Value.Validation.NegativeCacheDuration = Maas.Durations.GoDuration.FromTimeSpan(negative);
        }

        Keys = new SigningKeyRing([SigningKeyRing.GenerateKey()], Time, Options.Value.Tokens.Maximum.ToTimeSpan());
        var issuer = new JwtTokenIssuer(Keys, Options, Time);
        Reader = new JwtTokenReader(Keys, Options, Time);
        Tiers = tiers ?? new TierResolver(DefaultTiers.Create());
        Metrics = new ValidationMetrics(Meters);
        Usage = new KeyUsageRecorder(Store, Time, Options, NullLogger<KeyUsageRecorder>.Instance);
        Validator = new CredentialValidator(Reader, Store, Store, Tiers, Time, Signal, Options, Metrics, Usage, Creations);
        var metrics = new MaasMetrics(null);
        var administrators = new Administrators(Options.Value.Admins);
        Service = new MaasServices
        {
            Tokens = new TokenService(Options, Tiers, issuer, metrics),
            ApiKeys = new ApiKeyService(Options, Tiers, Store, Store, administrators, Validator, Signal, Store, Time, metrics),
            Administration = new KeyAdministrationService(Store, administrators, Signal, Store, Time, metrics),
            Revocation = new RevocationService(Store, issuer, Signal, Store, Time, metrics),
            Audit = new AuditTrail(administrators, Store),
            Credentials = new CredentialValidationService(Validator),
            Administrators = administrators,
            Time = Time,
        };
    }

    public FakeTimeProvider Time { get; } = new(Start);

    public IOptions<MaasOptions> Options { get; }

    public SigningKeyRing Keys { get; }

    public JwtTokenReader Reader { get; }

    public ITierResolver Tiers { get; }

    public CountingKeyStore Store { get; } = new(InMemoryStorage.CreateKeyStore());

    public RevocationSignal Signal { get; } = new();

    public KeyCreationSignal Creations { get; } = new();

    public TestMeterFactory Meters { get; } = new();

    public ValidationMetrics Metrics { get; }

    public KeyUsageRecorder Usage { get; }

    public CredentialValidator Validator { get; }

    public MaasServices Service { get; }

    public ValueTask<CredentialValidation> ValidateAsync(string credential) => Validator.ValidateAsync(credential, CancellationToken.None);

    public async Task<(string Key, string Id)> CreateKeyAsync(MaasUser? user = null, TimeSpan? lifetime = null)
    {
        var created = await Service.ApiKeys.CreateAsync(user ?? Alice, new ApiKeyRequest
        {
            Name = "test",
            Expiration = lifetime is { } l ? Maas.Durations.GoDuration.FromTimeSpan(l) : null,
        });
        return (created.Key, created.Record.Id);
    }

    public async Task<IssuedToken> IssueTokenAsync(MaasUser? user = null, TimeSpan? lifetime = null) =>
        await Service.Tokens.IssueAsync(user ?? Alice, lifetime is { } l ? Maas.Durations.GoDuration.FromTimeSpan(l) : null);

    public void Dispose()
    {
        Validator.Dispose();
        Usage.Dispose();
        Metrics.Dispose();
        Meters.Dispose();
        Keys.Dispose();
    }
}
