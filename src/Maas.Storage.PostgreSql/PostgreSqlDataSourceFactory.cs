using Microsoft.Extensions.Logging;
using Npgsql;

namespace Maas.Storage.PostgreSql;

/// <summary>Builds the one <see cref="NpgsqlDataSource"/> a replica uses for its store, listener and signing keys.</summary>
internal static class PostgreSqlDataSourceFactory
{
    /// <summary>The application name sent to the server when the URL sets none.</summary>
    public const string DefaultApplicationName = "maas";

    /// <summary>Converts the options into a connection string with the pool limits applied.</summary>
    public static string BuildConnectionString(PostgreSqlStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxOpenConnections, 1, nameof(options.MaxOpenConnections));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxIdleConnections, nameof(options.MaxIdleConnections));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ConnectionMaxLifetime, TimeSpan.Zero, nameof(options.ConnectionMaxLifetime));

        var builder = new NpgsqlConnectionStringBuilder(PostgreSqlConnectionUrl.ToConnectionString(options.ConnectionUrl))
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

        return builder.ConnectionString;
    }

    /// <summary>Builds the data source; the caller owns and disposes it.</summary>
    public static NpgsqlDataSource Create(PostgreSqlStorageOptions options, ILoggerFactory? loggerFactory = null)
    {
        var builder = new NpgsqlDataSourceBuilder(BuildConnectionString(options)) { Name = DefaultApplicationName };
        if (loggerFactory is not null)
        {
            // Npgsql logs hosts and databases, never passwords; parameter logging stays off.
            builder.UseLoggerFactory(loggerFactory);
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
            builder.UseLoggerFactory(loggerFactory);
        }

        return builder.Build();
    }
}
