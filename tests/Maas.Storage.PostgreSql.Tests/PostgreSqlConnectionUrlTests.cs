using Npgsql;

namespace Maas.Storage.PostgreSql.Tests;

public sealed class PostgreSqlConnectionUrlTests
{
    [Theory]
    [InlineData("postgresql://maas:secret@db.example.com:6543/maasdb", "db.example.com", 6543, "maas", "secret", "maasdb")]
    [InlineData("postgres://maas:secret@db.example.com/maasdb", "db.example.com", 5432, "maas", "secret", "maasdb")]
    [InlineData("POSTGRESQL://maas@localhost/maasdb", "localhost", 5432, "maas", null, "maasdb")]
    [InlineData("postgresql://localhost", "localhost", 5432, null, null, null)]
    [InlineData("postgresql://localhost:5433/", "localhost", 5433, null, null, null)]
    [InlineData("postgresql://us%40er:p%40ss%3Aw%2Frd%25%3F%23@host/d%C3%BCb%20x", "host", 5432, "us@er", "p@ss:w/rd%?#", "düb x")]
    [InlineData("postgresql://user:pa+ss@host/db", "host", 5432, "user", "pa+ss", "db")]
    [InlineData("postgresql://user:p%C3%A4%F0%9F%94%91@host/db", "host", 5432, "user", "pä🔑", "db")]
    [InlineData("postgresql://user:@host/db", "host", 5432, "user", null, "db")]
    [InlineData("postgresql://[::1]:6000/db", "::1", 6000, null, null, "db")]
    [InlineData("postgresql://[2001:db8::1]/db", "2001:db8::1", 5432, null, null, "db")]
    [InlineData("postgresql://%2Fvar%2Frun%2Fpostgresql/db", "/var/run/postgresql", 5432, null, null, "db")]
    [InlineData("postgresql:///db?host=/tmp/sockets&port=7777", "/tmp/sockets", 7777, null, null, "db")]
    [InlineData("postgresql://u:x@h/db?user=other&password=y%26z&dbname=real", "h", 5432, "other", "y&z", "real")]
    public void Urls_convert_to_npgsql_settings(string url, string host, int port, string? user, string? password, string? database)
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgreSqlConnectionUrl.ToConnectionString(url));

        Assert.Equal(host, builder.Host);
        Assert.Equal(port, builder.Port);
        Assert.Equal(user, builder.Username);
        Assert.Equal(password, builder.Password);
        Assert.Equal(database, builder.Database);
    }

    [Theory]
    [InlineData("sslmode=disable", "SSL Mode", "Disable")]
    [InlineData("sslmode=allow", "SSL Mode", "Allow")]
    [InlineData("sslmode=prefer", "SSL Mode", "Prefer")]
    [InlineData("sslmode=require", "SSL Mode", "Require")]
    [InlineData("sslmode=verify-ca", "SSL Mode", "VerifyCA")]
    [InlineData("sslmode=verify-full", "SSL Mode", "VerifyFull")]
    [InlineData("sslrootcert=%2Fetc%2Fssl%2Fca.pem", "Root Certificate", "/etc/ssl/ca.pem")]
    [InlineData("sslcert=/certs/client.crt", "SSL Certificate", "/certs/client.crt")]
    [InlineData("sslkey=/certs/client.key", "SSL Key", "/certs/client.key")]
    [InlineData("sslpassword=k3y", "SSL Password", "k3y")]
    [InlineData("connect_timeout=7", "Timeout", "7")]
    [InlineData("application_name=maas+api", "Application Name", "maas api")]
    [InlineData("fallback_application_name=fallback", "Application Name", "fallback")]
    [InlineData("application_name=a&fallback_application_name=b", "Application Name", "a")]
    [InlineData("search_path=maas,public", "Search Path", "maas,public")]
    [InlineData("options=-c%20statement_timeout%3D5s", "Options", "-c statement_timeout=5s")]
    [InlineData("target_session_attrs=read-write", "Target Session Attributes", "read-write")]
    [InlineData("target_session_attrs=prefer-standby", "Target Session Attributes", "prefer-standby")]
    [InlineData("client_encoding=UTF8", "Client Encoding", "UTF8")]
    [InlineData("timezone=UTC", "Timezone", "UTC")]
    [InlineData("channel_binding=require", "Channel Binding", "Require")]
    [InlineData("gssencmode=disable", "GSS Encryption Mode", "Disable")]
    [InlineData("krbsrvname=postgres", "Kerberos Service Name", "postgres")]
    [InlineData("keepalives=1", "Tcp Keepalive", "True")]
    [InlineData("keepalives_idle=30", "Tcp Keepalive Time", "30")]
    [InlineData("keepalives_interval=5", "Tcp Keepalive Interval", "5")]
    [InlineData("load_balance_hosts=random", "Load Balance Hosts", "True")]
    [InlineData("passfile=/home/maas/.pgpass", "Passfile", "/home/maas/.pgpass")]
    [InlineData("SSLMODE=require", "SSL Mode", "Require")]
    public void Query_parameters_map_to_npgsql_keywords(string query, string keyword, string expected)
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgreSqlConnectionUrl.ToConnectionString($"postgresql://u:p@h:1/db?{query}"));

        Assert.Equal(expected, Convert.ToString(builder[keyword], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Several_hosts_become_npgsql_host_port_pairs()
    {
        var builder = new NpgsqlConnectionStringBuilder(
            PostgreSqlConnectionUrl.ToConnectionString("postgresql://u:p@primary:5433,replica,[::1]:5434/db?target_session_attrs=primary"));

        Assert.Equal("primary:5433,replica:5432,[::1]:5434", builder.Host);
        Assert.Equal("primary", Convert.ToString(builder["Target Session Attributes"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("Host=db;Port=6000;Username=maas;Password=secret;Database=keys")]
    [InlineData("  Host=db;Port=6000;Username=maas;Password=secret;Database=keys  ")]
    public void A_plain_npgsql_connection_string_is_accepted(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgreSqlConnectionUrl.ToConnectionString(connectionString));

        Assert.Equal(("db", 6000, "maas", "secret", "keys"), (builder.Host, builder.Port, builder.Username, builder.Password, builder.Database));
    }

    [Theory]
    [InlineData("postgresql://u:p@h/db?pool_max_conns=10", "pool_max_conns")]
    [InlineData("postgresql://u:p@h/db?sslmode=require&sslcrl=/x", "sslcrl")]
    [InlineData("postgresql://u:p@h/db?Service=x", "service")]
    public void Unknown_parameters_are_named_in_the_error(string url, string parameter)
    {
        var error = Assert.Throws<ArgumentException>(() => PostgreSqlConnectionUrl.ToConnectionString(url));

        Assert.Contains($"'{parameter}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("not supported", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgresql://u:hunter2@h:notaport/db", "port")]
    [InlineData("postgresql://u:hunter2@h:70000/db", "port")]
    [InlineData("postgresql://u:hunter2@h/db?sslmode=sometimes", "sslmode")]
    [InlineData("postgresql://u:hunter2@h/db?connect_timeout=soon", "connect_timeout")]
    [InlineData("postgresql://u:hunter2@h/db?sslmode", "sslmode")]
    [InlineData("postgresql://u:hunter2%zz@h/db", "password")]
    [InlineData("postgresql://u:hunter2#x@h/db", "#")]
    [InlineData("postgresql://u:hunter2?x@h/db", "malformed user name or password")]
    [InlineData("postgresql://u:hunt/er2@h/db", "malformed user name or password")]
    [InlineData("postgresql://u:hunter2@[::1/db", "IPv6")]
    [InlineData("mysql://u:hunter2@h/db", "postgresql://")]
    [InlineData("Host=h;Password=hunter2;Bogus=1", "Npgsql connection string")]
    [InlineData("Host=h;Password=hunter2;xyz", "Npgsql connection string")]
    public void Bad_values_are_rejected_naming_the_part_but_never_the_password(string url, string named)
    {
        var error = Assert.Throws<ArgumentException>(() => PostgreSqlConnectionUrl.ToConnectionString(url));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Pool_options_map_onto_npgsql_pool_settings()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgreSqlDataSourceFactory.BuildConnectionString(new PostgreSqlStorageOptions
        {
            ConnectionUrl = "postgresql://u:p@h/db",
            MaxOpenConnections = 40,
            MaxIdleConnections = 7,
            ConnectionMaxLifetime = TimeSpan.FromSeconds(90),
        }));

        Assert.Equal((40, 7, 90), (builder.MaxPoolSize, builder.MinPoolSize, builder.ConnectionLifetime));
        Assert.False(builder.PersistSecurityInfo);
        Assert.Equal("maas", builder.ApplicationName);
    }

    [Fact]
    public void Pool_defaults_are_those_of_the_go_service()
    {
        var options = new PostgreSqlStorageOptions { ConnectionUrl = "postgresql://u:p@h/db?application_name=mine" };
        var builder = new NpgsqlConnectionStringBuilder(PostgreSqlDataSourceFactory.BuildConnectionString(options));

        Assert.Equal((25, 5, 300), (builder.MaxPoolSize, builder.MinPoolSize, builder.ConnectionLifetime));
        Assert.Equal("mine", builder.ApplicationName);
    }

    [Fact]
    public void Idle_connections_are_capped_at_the_open_connections()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgreSqlDataSourceFactory.BuildConnectionString(
            new PostgreSqlStorageOptions { ConnectionUrl = "postgresql://h/db", MaxOpenConnections = 3, MaxIdleConnections = 10 }));

        Assert.Equal(3, builder.MinPoolSize);
    }
}
