using System.Security.Cryptography;
using Maas.Administration;
using Maas.ApiKeys;
using Maas.Models;
using Maas.Revocation;
using Maas.Storage.Sqlite;
using Maas.Telemetry;
using Maas.Tiers;
using Maas.Tokens;
using Maas.Users;
using Maas.Validation;
using Microsoft.Extensions.Options;

namespace Maas.Benchmarks;

/// <summary>
/// The Maas object graph the benchmarks measure, built directly (no container) exactly as
/// <c>AddMaasCore</c> wires it: default options and tiers, one generated signing key, the system clock.
/// </summary>
internal sealed class MaasSubjects : IDisposable
{
    /// <summary>A premium user: two groups, one of which maps to a tier.</summary>
    public static readonly MaasUser User = new("alice@example.com", ["system:authenticated", "premium-group"]);

    public MaasSubjects(IKeyStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var settings = new MaasOptions();
        foreach (var tier in DefaultTiers.Create())
        {
            settings.Tiers.Add(tier);
        }

        Options = Microsoft.Extensions.Options.Options.Create(settings);
        Store = store;
        Keys = new SigningKeyRing([SigningKeyRing.GenerateKey()]);
        Tiers = new TierResolver(Options);
        Issuer = new JwtTokenIssuer(Keys, Options, TimeProvider.System);
        Reader = new JwtTokenReader(Keys, Options, TimeProvider.System);
        Validator = new CredentialValidator(Reader, store, Tiers, TimeProvider.System);
        var metrics = new MaasMetrics(null);
        var revocations = new RevocationSignal();
        var audit = store as Maas.Auditing.IAuditLog ?? (Maas.Auditing.IAuditLog)Maas.Storage.InMemory.InMemoryStorage.CreateKeyStore();
        var administrators = new Administrators(Options.Value.Admins);
        Tokens = new TokenService(Options, Tiers, Issuer, metrics);
        ApiKeys = new ApiKeyService(Options, Tiers, store, (IKeyAdministrationStore)store, administrators, Validator, revocations, audit, TimeProvider.System, metrics);
        Administration = new KeyAdministrationService((IKeyAdministrationStore)store, administrators, revocations, audit, TimeProvider.System, metrics);
        Credentials = new CredentialValidationService(Validator);
    }

    public IOptions<MaasOptions> Options { get; }

    public IKeyStore Store { get; }

    public SigningKeyRing Keys { get; }

    public TierResolver Tiers { get; }

    public JwtTokenIssuer Issuer { get; }

    public JwtTokenReader Reader { get; }

    public CredentialValidator Validator { get; }

    public TokenService Tokens { get; }

    public ApiKeyService ApiKeys { get; }

    public KeyAdministrationService Administration { get; }

    public CredentialValidationService Credentials { get; }

    /// <summary>The tier <see cref="User"/> resolves to.</summary>
    public Tier UserTier => Tiers.Resolve(User.Groups)!;

    /// <summary>Opens a SQLite (<c>disk</c>) store in a fresh temporary folder; dispose the returned folder after the store.</summary>
    public static async Task<(IKeyStore Store, ScratchFolder Folder)> OpenSqliteAsync()
    {
        var folder = new ScratchFolder();
        var store = await SqliteStorage.OpenKeyStoreAsync(new SqliteKeyStoreOptions { DataPath = folder.Combine("maas.db") });
        return (store, folder);
    }

    /// <summary>Disposes a store that owns resources (the SQLite store does).</summary>
    public static async ValueTask DisposeStoreAsync(IKeyStore store)
    {
        if (store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    public void Dispose()
    {
        Validator.Dispose();
        Keys.Dispose();
    }
}

/// <summary>A folder under the system temp path, deleted on dispose.</summary>
internal sealed class ScratchFolder : IDisposable
{
    public ScratchFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "maas-bench-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort; the OS cleans its temp folder.
        }
    }
}
