using System.ComponentModel.DataAnnotations;

namespace Maas.Storage.PostgreSql;

/// <summary>
/// How the <c>external</c> store reaches PostgreSQL: the connection URL and the pool limits the Go
/// service took from <c>DB_MAX_OPEN_CONNS</c>, <c>DB_MAX_IDLE_CONNS</c> and
/// <c>DB_CONN_MAX_LIFETIME_SECONDS</c>. Bound from <c>Maas:Storage:PostgreSql</c> when <c>AddMaas</c>
/// was given the configuration; validated at start.
/// </summary>
public sealed class PostgreSqlStorageOptions
{
    /// <summary>
    /// Gets or sets the database: a <c>postgresql://user:password@host:port/database?sslmode=…</c>
    /// URL (<c>--db-connection-url</c>, <c>DB_CONNECTION_URL</c>) or an Npgsql connection string.
    /// See <see cref="PostgreSqlConnectionUrl"/> for the accepted parameters.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    public string ConnectionUrl { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the most connections open at once per replica (<c>DB_MAX_OPEN_CONNS</c>),
    /// Npgsql's <c>Maximum Pool Size</c>. The revocation listener's connection is not counted.
    /// </summary>
    /// <value>The default is 25.</value>
    [Range(1, 10_000)]
    public int MaxOpenConnections { get; set; } = 25;

    /// <summary>
    /// Gets or sets how many idle connections are kept rather than closed (<c>DB_MAX_IDLE_CONNS</c>),
    /// Npgsql's <c>Minimum Pool Size</c>: idle connections above it are pruned, those below it stay.
    /// Capped at <see cref="MaxOpenConnections"/>.
    /// </summary>
    /// <value>The default is 5.</value>
    [Range(0, 10_000)]
    public int MaxIdleConnections { get; set; } = 5;

    /// <summary>
    /// Gets or sets how long a connection is reused before it is closed and replaced
    /// (<c>DB_CONN_MAX_LIFETIME_SECONDS</c>), Npgsql's <c>Connection Lifetime</c>, in whole
    /// seconds; <see cref="TimeSpan.Zero"/> means no limit.
    /// </summary>
    /// <value>The default is 300 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan ConnectionMaxLifetime { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>
    /// Gets or sets how long the revocation listener's connection may stay silent before the
    /// listener pings it (<c>SELECT 1</c>). With <see cref="ListenerPingTimeout"/> it bounds how long
    /// a silently hung listening connection (a stuck proxy, a dropped NAT entry) delays revocations
    /// on this replica: about <see cref="ListenerPingInterval"/> + <see cref="ListenerPingTimeout"/>.
    /// </summary>
    /// <value>The default is 5 seconds. Must be positive.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan ListenerPingInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets how long the listener waits for the answer to its ping before it drops the
    /// connection, reconnects and tells the caches to forget everything (so a revocation is
    /// delayed, never missed).
    /// </summary>
    /// <value>The default is 3 seconds. Must be positive.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan ListenerPingTimeout { get; set; } = TimeSpan.FromSeconds(3);
}
