using System.Security.Cryptography;
using System.Text;
using Maas.Storage.PostgreSql.Migrations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Maas.Storage.PostgreSql.Signing;

/// <summary>A P-256 signing key kept in the database.</summary>
/// <param name="KeyId">The <c>kid</c>: the RFC 7638 JWK thumbprint of the public key, base64url.</param>
/// <param name="Key">The private key; the caller disposes it.</param>
/// <param name="CreatedAt">When the key was created.</param>
internal sealed record PostgreSqlSigningKey(string KeyId, ECDsa Key, DateTimeOffset CreatedAt);

/// <summary>
/// The ES256 signing keys of the <c>external</c> mode, kept in the <c>signing_keys</c> table so
/// every replica signs with the same key and verifies the others' tokens, and tokens survive
/// restarts. The first replica to find no key creates one under an advisory lock; the others
/// wait for the lock and then read that key. The private key is stored in the database (PKCS#8
/// PEM): whoever can read the table can sign tokens, just as whoever can write it can change
/// every credential's metadata.
/// </summary>
internal sealed class PostgreSqlSigningKeyStore
{
    /// <summary>The advisory lock key that serializes key creation ("maas" and 2).</summary>
    public const long SigningKeyLockKey = 0x6D61_6173_0000_0002;

    private const string SelectActive =
        "SELECT kid, private_key_pem, created_at FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid DESC";

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Creates the store on a data source the caller owns; the schema must be migrated.</summary>
    public PostgreSqlSigningKeyStore(NpgsqlDataSource dataSource, TimeProvider? timeProvider = null, ILogger<PostgreSqlSigningKeyStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Loads every unretired key, newest first (the first signs, the others verify), creating one
    /// under the advisory lock when there is none.
    /// </summary>
    public async Task<IReadOnlyList<PostgreSqlSigningKey>> LoadOrCreateAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            var keys = await ReadActiveAsync(connection, null, cancellationToken).ConfigureAwait(false);
            if (keys.Count > 0)
            {
                return keys;
            }

            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var transactionScope = transaction.ConfigureAwait(false);
            using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
            {
                lockCommand.Parameters.AddWithValue("key", SigningKeyLockKey);
                await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // Another replica may have created it while we waited for the lock.
            keys = await ReadActiveAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            if (keys.Count > 0)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return keys;
            }

            var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            try
            {
                var created = PostgreSqlSchema.ToStoredInstant(_timeProvider.GetUtcNow());
                var keyId = Thumbprint(key);
                using (var insert = new NpgsqlCommand(
                    "INSERT INTO signing_keys (kid, private_key_pem, created_at) VALUES (@kid, @pem, @created)",
                    connection,
                    transaction))
                {
                    insert.Parameters.AddWithValue("kid", keyId);
                    insert.Parameters.AddWithValue("pem", key.ExportPkcs8PrivateKeyPem());
                    insert.Parameters.AddWithValue("created", NpgsqlDbType.TimestampTz, created);
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                Log.SigningKeyCreated(_logger, keyId);
                return [new PostgreSqlSigningKey(keyId, key, created)];
            }
            catch
            {
                key.Dispose();
                throw;
            }
        }
        catch (Exception ex) when (PostgreSqlFailures.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            _dataSource.Clear();
            throw PostgreSqlFailures.Unavailable(ex);
        }
    }

    /// <summary>Computes the RFC 7638 JWK thumbprint of a P-256 key's public part, base64url without padding.</summary>
    public static string Thumbprint(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parameters = key.ExportParameters(includePrivateParameters: false);
        var canonical = $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{Base64Url(parameters.Q.X!)}\",\"y\":\"{Base64Url(parameters.Q.Y!)}\"}}";
        return Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static async Task<List<PostgreSqlSigningKey>> ReadActiveAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        var keys = new List<PostgreSqlSigningKey>();
        try
        {
            using var command = new NpgsqlCommand(SelectActive, connection, transaction);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = ECDsa.Create();
                keys.Add(new PostgreSqlSigningKey(reader.GetString(0), key, reader.GetFieldValue<DateTimeOffset>(2)));
                key.ImportFromPem(reader.GetString(1));
            }

            return keys;
        }
        catch
        {
            foreach (var key in keys)
            {
                key.Key.Dispose();
            }

            throw;
        }
    }
}
