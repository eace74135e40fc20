using System.Security.Cryptography;
using Maas.ApiKeys;
using Maas.Tokens;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Maas.Storage.Sqlite;

/// <summary>
/// Opens and migrates the <c>disk</c> store and reads (or creates) its signing key when the host
/// starts, before any other hosted service and before Kestrel listens; a failure stops start-up with
/// a <see cref="StoreUnavailableException"/> whose message names the file.
/// </summary>
internal sealed class SqliteStorageStartup(SqliteKeyStore store, SqliteSigningKeys keys, IOptions<SqliteKeyStoreOptions> options) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            await keys.LoadAsync(options.Value.DataPath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException or Migrations.SchemaTooNewException)
        {
            throw new StoreUnavailableException($"The disk store '{store.FullPath}' cannot be opened: {ex.Message}", ex);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The signing keys kept beside the SQLite file, read by <see cref="SqliteStorageStartup"/> and handed to the key ring.</summary>
internal sealed class SqliteSigningKeys : ISigningKeyProvider, IDisposable
{
    private IReadOnlyList<ECDsa>? _keys;

    public async Task LoadAsync(string dataPath, CancellationToken cancellationToken) =>
        _keys = await SigningKeyFile.LoadOrCreateAsync(dataPath, cancellationToken).ConfigureAwait(false);

    public IReadOnlyList<ECDsa> GetSigningKeys() =>
        Interlocked.Exchange(ref _keys, null)
        ?? throw new InvalidOperationException("The disk store's signing key is read when the host starts: use the Maas services after IHost.StartAsync.");

    public void Dispose()
    {
        foreach (var key in Interlocked.Exchange(ref _keys, null) ?? [])
        {
            key.Dispose();
        }
    }
}
