using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Maas.Storage.Sqlite;

/// <summary>
/// The connections to one SQLite file in WAL mode. Writes go through one dedicated writer
/// connection, one at a time (the writer gate, a <see cref="SemaphoreSlim"/>), so writers in this
/// process never meet <c>SQLITE_BUSY</c>; reads use a <see cref="SqliteReaderPool"/> and run in
/// parallel with the writer. Every command is prepared once per connection (<see cref="SqliteSession"/>).
/// </summary>
internal sealed partial class SqliteDatabase : IDisposable
{
    private readonly SqliteKeyStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly SqliteReaderPool _readers = new();
    private SqliteSession? _writer;
    private int _disposed;

    public SqliteDatabase(SqliteKeyStoreOptions options, ILogger logger, TimeProvider timeProvider)
    {
        _options = options;
        _logger = logger;
        _timeProvider = timeProvider;
        FullPath = Path.GetFullPath(options.DataPath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            ForeignKeys = true,
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),

            // The store keeps its own connections for its lifetime; closing them closes the file.
            Pooling = false,
        }.ToString();
    }

    /// <summary>Gets the absolute path of the database file.</summary>
    public string FullPath { get; }

    /// <summary>
    /// Creates the folder and the file when missing, sets the pragmas, and applies pending
    /// migrations. Call once before anything else.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var directory = Path.GetDirectoryName(FullPath);
        try
        {
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Cannot create the folder of the SQLite database '{FullPath}': {ex.Message}", ex);
        }

        CreateOwnerOnly();
        var writer = await OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // WAL is a property of the file: set once, every later connection uses it.
            var mode = await writer.Command("PRAGMA journal_mode = WAL").ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            if (!string.Equals(mode as string, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"The SQLite database '{FullPath}' cannot be switched to WAL mode (journal mode is '{mode}').");
            }

            var result = await SqliteSchema.CreateMigrator(_timeProvider, _logger).MigrateAsync(writer.Connection, cancellationToken).ConfigureAwait(false);
            Log.Opened(_logger, FullPath, result.FromVersion, result.ToVersion);
        }
        catch
        {
            writer.Dispose();
            throw;
        }

        _writer = writer;
    }

    /// <summary>
    /// Creates a missing database file readable and writable by its owner only (0600): it holds
    /// every key's hash and owner. SQLite gives the -wal and -shm files it creates the mode of the
    /// database file, so they are 0600 too. An existing file keeps the mode its operator gave it.
    /// </summary>
    private void CreateOwnerOnly()
    {
        if (OperatingSystem.IsWindows() || File.Exists(FullPath))
        {
            return;
        }

        try
        {
            using var file = new FileStream(FullPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(FullPath))
        {
            // Another process created it first.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Cannot create the SQLite database '{FullPath}': {ex.Message}", ex);
        }
    }

    /// <summary>Runs <paramref name="write"/> on the writer connection, alone (the writer gate).</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteSession, CancellationToken, T> write, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            var writer = _writer ?? throw new InvalidOperationException("The SQLite key store was not initialized; call InitializeAsync first.");

            // Microsoft.Data.Sqlite runs statements synchronously (its async methods do too);
            // the writer is one connection, so one write at a time holds it.
            return write(writer, cancellationToken);
        }
        catch (SqliteException ex) when (SqliteFailures.IsUnavailable(ex))
        {
            // A full disk, an I/O error, a read-only file: the transaction rolled back and the
            // connection stays usable, so the next write succeeds once the fault is gone.
            throw SqliteFailures.Unavailable(ex);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Runs <paramref name="read"/> on a reader connection from the pool, in parallel with other reads and the writer.</summary>
    public async Task<T> ReadAsync<T>(Func<SqliteSession, T> read, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_writer is null)
        {
            throw new InvalidOperationException("The SQLite key store was not initialized; call InitializeAsync first.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!_readers.TryTake(out var session))
        {
            session = await OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return read(session);
        }
        catch (SqliteException ex) when (SqliteFailures.IsUnavailable(ex))
        {
            throw SqliteFailures.Unavailable(ex);
        }
        finally
        {
            if (_disposed != 0)
            {
                session.Dispose();
            }
            else
            {
                _readers.Return(session);
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Wait for a write in flight: closing its connection under it would fail the write.
        _writeGate.Wait();
        _writer?.Dispose();
        _writer = null;
        _readers.Dispose();
        _writeGate.Release();
        _writeGate.Dispose();
    }

    private async Task<SqliteSession> OpenSessionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
            {
                throw new InvalidOperationException($"The SQLite database '{FullPath}' is not writable by this process.");
            }

            var session = new SqliteSession(connection);

            // synchronous=FULL: a commit returns only after the WAL is fsynced, so a write
            // acknowledged to a caller is on stable storage. In WAL mode NORMAL already survives
            // kill -9 of the process (the OS keeps the written pages) and loses only on power
            // loss or an OS crash; the issue asks "acknowledged = durable", so FULL.
            // busy_timeout: wait for another process's lock instead of failing at once.
            var pragmas = session.Command(
                $"PRAGMA synchronous = FULL; PRAGMA busy_timeout = {(long)_options.BusyTimeout.TotalMilliseconds}; PRAGMA foreign_keys = ON;");
            await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch (SqliteException ex) when (_writer is not null && SqliteFailures.IsUnavailable(ex))
        {
            // Serving already: a reader that cannot open now is a fault of the moment, not of the configuration.
            connection.Dispose();
            throw SqliteFailures.Unavailable(ex);
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new InvalidOperationException($"Cannot open the SQLite database '{FullPath}': {ex.Message}", ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Opened the SQLite key store {Path} (schema version {FromVersion} -> {ToVersion})")]
        public static partial void Opened(ILogger logger, string path, int fromVersion, int toVersion);
    }
}
