using System.Globalization;
using System.Text;
using Npgsql;

namespace Maas.Storage.PostgreSql;

/// <summary>
/// Converts the <c>postgresql://</c> URL form that <c>--db-connection-url</c> takes (as the Go
/// service documented it) into an Npgsql connection string.
/// </summary>
/// <remarks>
/// <para>
/// Accepted: <c>postgresql://[user[:password]@][host[:port][,host[:port]…]][/database][?param=value&amp;…]</c>,
/// also with the <c>postgres://</c> scheme. User, password, host and database are percent-decoded;
/// the port defaults to 5432; an IPv6 host is written in brackets (<c>[::1]:5432</c>); a host that
/// decodes to an absolute path is a Unix socket folder. In query values <c>+</c> means a space, as
/// Go's URL parser reads them. A plain Npgsql connection string (<c>Host=…;Username=…</c>) is
/// accepted unchanged.
/// </para>
/// <para>
/// Query parameters (libpq names, mapped to Npgsql keywords): <c>sslmode</c>, <c>sslrootcert</c>,
/// <c>sslcert</c>, <c>sslkey</c>, <c>sslpassword</c>, <c>sslnegotiation</c>, <c>channel_binding</c>,
/// <c>gssencmode</c>, <c>krbsrvname</c>, <c>connect_timeout</c>, <c>application_name</c>,
/// <c>fallback_application_name</c>, <c>options</c>, <c>search_path</c>, <c>client_encoding</c>,
/// <c>timezone</c>, <c>target_session_attrs</c>, <c>load_balance_hosts</c>, <c>keepalives</c>,
/// <c>keepalives_idle</c>, <c>keepalives_interval</c>, <c>passfile</c>, and <c>host</c>, <c>port</c>,
/// <c>user</c>, <c>password</c>, <c>dbname</c> (which override the URL's own parts). Any other
/// parameter is an error naming it. Error messages never contain the password or any other value.
/// </para>
/// </remarks>
public static class PostgreSqlConnectionUrl
{
    /// <summary>The port used when the URL names none.</summary>
    public const int DefaultPort = 5432;

    private static readonly string[] Schemes = ["postgresql://", "postgres://"];

    private static readonly Dictionary<string, string> Keywords = new(StringComparer.Ordinal)
    {
        ["sslmode"] = "SSL Mode",
        ["sslrootcert"] = "Root Certificate",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["sslpassword"] = "SSL Password",
        ["sslnegotiation"] = "SSL Negotiation",
        ["channel_binding"] = "Channel Binding",
        ["gssencmode"] = "GSS Encryption Mode",
        ["krbsrvname"] = "Kerberos Service Name",
        ["connect_timeout"] = "Timeout",
        ["application_name"] = "Application Name",
        ["fallback_application_name"] = "Application Name",
        ["options"] = "Options",
        ["search_path"] = "Search Path",
        ["client_encoding"] = "Client Encoding",
        ["timezone"] = "Timezone",
        ["target_session_attrs"] = "Target Session Attributes",
        ["load_balance_hosts"] = "Load Balance Hosts",
        ["keepalives"] = "Tcp Keepalive",
        ["keepalives_idle"] = "Tcp Keepalive Time",
        ["keepalives_interval"] = "Tcp Keepalive Interval",
        ["passfile"] = "Passfile",
        ["user"] = "Username",
        ["password"] = "Password",
        ["dbname"] = "Database",
    };

    /// <summary>Gets whether <paramref name="value"/> starts with <c>postgresql://</c> or <c>postgres://</c>.</summary>
    /// <param name="value">A URL or connection string.</param>
    public static bool IsUrl(string? value) =>
        value is not null && Schemes.Any(s => value.TrimStart().StartsWith(s, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Converts a <c>postgresql://</c> or <c>postgres://</c> URL, or validates a plain Npgsql
    /// connection string, into an Npgsql connection string.
    /// </summary>
    /// <param name="urlOrConnectionString">The URL or connection string.</param>
    /// <returns>An Npgsql connection string.</returns>
    /// <exception cref="ArgumentException">
    /// The value is not a valid URL or connection string, or names an unsupported parameter. The
    /// message names the part or parameter at fault, never a value.
    /// </exception>
    public static string ToConnectionString(string urlOrConnectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(urlOrConnectionString);
        var value = urlOrConnectionString.Trim();
        if (IsUrl(value))
        {
            return ParseUrl(value).ConnectionString;
        }

        if (value.Contains("://", StringComparison.Ordinal))
        {
            throw Invalid("The database URL must start with postgresql:// or postgres://.");
        }

        try
        {
            return new NpgsqlConnectionStringBuilder(value).ConnectionString;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // Npgsql's message may quote a fragment of the string, which could be part of the password.
            throw Invalid("The database connection string is neither a postgresql:// URL nor a valid Npgsql connection string (Key=Value;…).");
        }
    }

    private static NpgsqlConnectionStringBuilder ParseUrl(string url)
    {
        var rest = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..];

        if (rest.Contains('#', StringComparison.Ordinal))
        {
            // A fragment has no meaning in a database URL; a raw '#' is most likely in the password.
            throw Invalid("The database URL must not contain '#'; percent-encode it as %23 (in a password, for example).");
        }

        var authorityEnd = rest.IndexOfAny(['/', '?']);
        var authority = authorityEnd < 0 ? rest : rest[..authorityEnd];
        var remainder = authorityEnd < 0 ? string.Empty : rest[authorityEnd..];
        var strayAt = remainder.IndexOf('@', StringComparison.Ordinal);
        if (strayAt >= 0 && !remainder[..strayAt].Contains('=', StringComparison.Ordinal))
        {
            // "user:pa/ss@host" or "user:pa?ss@host": a reserved character in the credentials was not encoded.
            throw Invalid("The database URL has a malformed user name or password; percent-encode reserved characters (such as ? & # / @ :) in them.");
        }

        var builder = new NpgsqlConnectionStringBuilder();

        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            authority = authority[(at + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            var user = colon < 0 ? userInfo : userInfo[..colon];
            if (user.Length > 0)
            {
                builder.Username = Decode(user, "user name", plusIsSpace: false);
            }

            if (colon >= 0)
            {
                builder.Password = Decode(userInfo[(colon + 1)..], "password", plusIsSpace: false);
            }
        }

        SetHosts(builder, authority, decode: true);

        var query = string.Empty;
        if (remainder.StartsWith('/'))
        {
            var queryStart = remainder.IndexOf('?', StringComparison.Ordinal);
            var path = queryStart < 0 ? remainder[1..] : remainder[1..queryStart];
            query = queryStart < 0 ? string.Empty : remainder[(queryStart + 1)..];
            if (path.Length > 0)
            {
                builder.Database = Decode(path, "database name", plusIsSpace: false);
            }
        }
        else if (remainder.StartsWith('?'))
        {
            query = remainder[1..];
        }

        ApplyQuery(builder, query);
        return builder;
    }

    private static void SetHosts(NpgsqlConnectionStringBuilder builder, string authority, bool decode)
    {
        if (authority.Length == 0)
        {
            return; // Hosts may still come from the host= parameter; Npgsql then reports a missing host.
        }

        var hosts = new List<(string Host, int Port)>();
        foreach (var entry in authority.Split(','))
        {
            string host;
            var portText = string.Empty;
            if (entry.StartsWith('['))
            {
                var close = entry.IndexOf(']', StringComparison.Ordinal);
                if (close < 2)
                {
                    throw Invalid("The database URL has a malformed IPv6 host; write it as [address]:port.");
                }

                host = entry[1..close];
                var after = entry[(close + 1)..];
                if (after.Length > 0)
                {
                    if (after[0] != ':')
                    {
                        throw Invalid("The database URL has a malformed IPv6 host; write it as [address]:port.");
                    }

                    portText = after[1..];
                }
            }
            else
            {
                var colon = entry.LastIndexOf(':');
                host = colon < 0 ? entry : entry[..colon];
                portText = colon < 0 ? string.Empty : entry[(colon + 1)..];
                host = decode ? Decode(host, "host", plusIsSpace: false) : host;
            }

            if (host.Length == 0)
            {
                throw Invalid("The database URL has an empty host in its host list.");
            }

            hosts.Add((host, ParsePort(portText)));
        }

        if (hosts.Count == 1)
        {
            builder.Host = hosts[0].Host;
            builder.Port = hosts[0].Port;
        }
        else
        {
            // Npgsql's multi-host form: host:port pairs, IPv6 addresses in brackets.
            builder.Host = string.Join(',', hosts.Select(h => string.Create(
                CultureInfo.InvariantCulture,
                $"{(h.Host.Contains(':', StringComparison.Ordinal) && !h.Host.StartsWith('/') ? $"[{h.Host}]" : h.Host)}:{h.Port}")));
            builder.Port = DefaultPort;
        }
    }

    private static int ParsePort(string text, string part = "port")
    {
        if (text.Length == 0)
        {
            return DefaultPort;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw Invalid($"The database URL's {part} is not a number between 1 and 65535.");
        }

        return port;
    }

    private static void ApplyQuery(NpgsqlConnectionStringBuilder builder, string query)
    {
        var applicationNameSet = false;
        string? fallbackApplicationName = null;
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var rawName = equals < 0 ? pair : pair[..equals];
            if (rawName.Length == 0 || !rawName.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                // Not a parameter name: likely an unencoded character in the password; quote nothing.
                throw Invalid("The database URL has a malformed query parameter; percent-encode reserved characters (such as ? & # / @ :) in the user name and password.");
            }

            var name = rawName.ToLowerInvariant();
            if (equals < 0)
            {
                throw Invalid($"The database URL parameter '{name}' has no value.");
            }

            var value = Decode(pair[(equals + 1)..], $"parameter '{name}'", plusIsSpace: true);
            switch (name)
            {
                case "host":
                    SetHosts(builder, value, decode: false);
                    continue;
                case "port":
                    builder.Port = ParsePort(value, "port parameter");
                    continue;
                case "fallback_application_name":
                    fallbackApplicationName = value;
                    continue;
                case "application_name":
                    applicationNameSet = true;
                    break;
                case "sslmode":
                    value = value switch
                    {
                        "disable" => "Disable",
                        "allow" => "Allow",
                        "prefer" => "Prefer",
                        "require" => "Require",
                        "verify-ca" => "VerifyCA",
                        "verify-full" => "VerifyFull",
                        _ => throw Invalid("The database URL parameter 'sslmode' must be disable, allow, prefer, require, verify-ca or verify-full."),
                    };
                    break;
                case "load_balance_hosts":
                    value = value switch
                    {
                        "disable" => "false",
                        "random" => "true",
                        _ => throw Invalid("The database URL parameter 'load_balance_hosts' must be disable or random."),
                    };
                    break;
                case "keepalives":
                    value = value switch
                    {
                        "0" => "false",
                        "1" => "true",
                        _ => throw Invalid("The database URL parameter 'keepalives' must be 0 or 1."),
                    };
                    break;
                default:
                    break;
            }

            if (!Keywords.TryGetValue(name, out var keyword))
            {
                throw Invalid(
                    $"The database URL parameter '{name}' is not supported. Supported parameters: {string.Join(", ", Keywords.Keys.Concat(["host", "port"]).Order(StringComparer.Ordinal))}.");
            }

            try
            {
                builder[keyword] = value;
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
            {
                throw Invalid($"The database URL parameter '{name}' has an invalid value.");
            }
        }

        if (!applicationNameSet && fallbackApplicationName is not null)
        {
            builder.ApplicationName = fallbackApplicationName;
        }
    }

    /// <summary>Percent-decodes strictly: a '%' must start two hex digits. The error names the part, never the text.</summary>
    private static string Decode(string text, string part, bool plusIsSpace)
    {
        if (!text.Contains('%', StringComparison.Ordinal) && !(plusIsSpace && text.Contains('+', StringComparison.Ordinal)))
        {
            return text;
        }

        var bytes = new List<byte>(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length
                    || !byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    throw Invalid($"The database URL's {part} has an invalid percent-encoding (a '%' must be followed by two hex digits).");
                }

                bytes.Add(b);
                i += 2;
            }
            else if (plusIsSpace && c == '+')
            {
                bytes.Add((byte)' ');
            }
            else
            {
                var length = char.IsHighSurrogate(c) && i + 1 < text.Length
                    ? Encoding.UTF8.GetBytes(text.AsSpan(i++, 2), utf8)
                    : Encoding.UTF8.GetBytes(text.AsSpan(i, 1), utf8);
                for (var j = 0; j < length; j++)
                {
                    bytes.Add(utf8[j]);
                }
            }
        }

        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString([.. bytes]);
        }
        catch (DecoderFallbackException)
        {
            throw Invalid($"The database URL's {part} does not decode to valid UTF-8.");
        }
    }

    private static ArgumentException Invalid(string message) => new(message);
}
