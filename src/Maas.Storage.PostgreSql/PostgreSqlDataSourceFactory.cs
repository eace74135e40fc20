using Microsoft.Extensions.Logging;
using Npgsql;

namespace Maas.Storage.PostgreSql;

/// <summary>Builds the one <see cref="NpgsqlDataSource"/> a replica uses for its store, listener and signing keys.</summary>
internal static class PostgreSqlDataSourceFactory
{
    /// <summary>The application name sent to the server when the URL sets none.</summary>
    public const string DefaultApplicationName = "maas";

    /// <summary>
    /// How many statements each physical connection prepares automatically when the connection
    /// string sets none: the store's handful of statements, the hash lookup and revoked-before
    /// read run on every request, are then parsed and planned once per connection.
    /// </summary>
    public const int DefaultMaxAutoPrepare = 32;

    /// <summary>Converts the options into a connection string with the pool limits applied.</summary>
    public static string BuildConnectionString(PostgreSqlStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxOpenConnections, 1, nameof(options.MaxOpenConnections));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxIdleConnections, nameof(options.MaxIdleConnections));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ConnectionMaxLifetime, TimeSpan.Zero, nameof(options.ConnectionMaxLifetime));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ListenerPingInterval, TimeSpan.Zero, nameof(options.ListenerPingInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ListenerPingTimeout, TimeSpan.Zero, nameof(options.ListenerPingTimeout));

        var source = PostgreSqlConnectionUrl.ToConnectionString(options.ConnectionUrl);
        var builder = new NpgsqlConnectionStringBuilder(source)
        {
            MaxPoolSize = options.MaxOpenConnections,
            MinPoolSize = Math.Min(options.MaxIdleConnections, options.MaxOpenConnections),
            ConnectionLifetime = (int)Math.Ceiling(options.ConnectionMaxLifetime.TotalSeconds),
            // Never hand the password back through NpgsqlConnection.ConnectionString.
            PersistSecurityInfo = false,
        };
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = DefaultApplicationName;
        }

        // Kept when the connection string says otherwise (0 for a pooler that cannot hold prepared statements).
        if (!SetsMaxAutoPrepare(source))
        {
            builder.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }

        return builder.ConnectionString;
    }

    private static bool SetsMaxAutoPrepare(string connectionString)
    {
        var raw = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        foreach (string keyword in raw.Keys)
        {
            if (string.Equals(keyword.Replace(" ", string.Empty, StringComparison.Ordinal), "MaxAutoPrepare", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Builds the data source; the caller owns and disposes it.</summary>
    public static NpgsqlDataSource Create(PostgreSqlStorageOptions options, ILoggerFactory? loggerFactory = null)
    {
        var builder = new NpgsqlDataSourceBuilder(BuildConnectionString(options)) { Name = DefaultApplicationName };
        if (loggerFactory is not null)
        {
            // Npgsql logs hosts and databases, never passwords; parameter logging stays off, and
            // its Information lines (per command, per connection wait) are dropped (QuietNpgsqlLoggerFactory).
            builder.UseLoggerFactory(new QuietNpgsqlLoggerFactory(loggerFactory));
        }

        return builder.Build();
    }

    /// <summary>
    /// Builds the data source of the revocation listener: unpooled, so its one long-lived
    /// connection is not taken from the store's pool and is really closed when it drops.
    /// </summary>
    public static NpgsqlDataSource CreateForListener(PostgreSqlStorageOptions options, ILoggerFactory? loggerFactory = null)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(BuildConnectionString(options)) { Pooling = false }.ConnectionString;
        var builder = new NpgsqlDataSourceBuilder(connectionString) { Name = DefaultApplicationName + "-listener" };
        if (loggerFactory is not null)
        {
            builder.UseLoggerFactory(new QuietNpgsqlLoggerFactory(loggerFactory));
        }

        return builder.Build();
    }
}
