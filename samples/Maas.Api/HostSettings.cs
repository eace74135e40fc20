using System.Globalization;
using System.Net;
using System.Security.Authentication;

namespace Maas.Api;

/// <summary>
/// The flags and environment variables of the Go <c>maas-api</c>, with their meaning kept:
/// a flag wins over its variable, a wrong value is an error naming the flag, never a silent default.
/// </summary>
internal sealed partial class HostSettings
{
    public string StorageMode { get; private set; } = "in-memory";

    public string DataPath { get; private set; } = "/data/maas-api.db";

    public string? DbConnectionUrl { get; private set; }

    public int DbMaxOpenConnections { get; private set; } = 25;

    public int DbMaxIdleConnections { get; private set; } = 5;

    public int DbConnectionMaxLifetimeSeconds { get; private set; } = 300;

    public IPEndPoint? Address { get; private set; }

    public string AddressText { get; private set; } = "";

    public bool Secure { get; private set; }

    public string? TlsCertificate { get; private set; }

    public string? TlsKey { get; private set; }

    public bool TlsSelfSigned { get; private set; }

    public SslProtocols TlsMinimumVersion { get; private set; } = SslProtocols.Tls12;

    public bool Debug { get; private set; }

    public string InstanceName { get; private set; } = "maas-api";

    public string Namespace { get; private set; } = "maas-api";

    public string GatewayName { get; private set; } = "maas-default-gateway";

    public string GatewayNamespace { get; private set; } = "openshift-ingress";

    /// <summary>Where the models come from: <c>configuration</c> (<c>Maas:Models</c>) or <c>kserve</c> (LLMInferenceServices on the cluster).</summary>
    public string ModelSource { get; private set; } = "configuration";

    private static readonly Dictionary<string, (string? Variable, bool IsBool)> Flags = new(StringComparer.Ordinal)
    {
        ["storage"] = ("STORAGE_MODE", false),
        ["data-path"] = ("DATA_PATH", false),
        ["db-connection-url"] = ("DB_CONNECTION_URL", false),
        ["address"] = ("ADDRESS", false),
        ["secure"] = ("SECURE", true),
        ["tls-cert"] = ("TLS_CERT", false),
        ["tls-key"] = ("TLS_KEY", false),
        ["tls-self-signed"] = ("TLS_SELF_SIGNED", true),
        ["tls-min-version"] = ("TLS_MIN_VERSION", false),
        ["debug"] = ("DEBUG_MODE", true),
        ["name"] = ("INSTANCE_NAME", false),
        ["namespace"] = ("NAMESPACE", false),
        ["gateway-name"] = ("GATEWAY_NAME", false),
        ["gateway-namespace"] = ("GATEWAY_NAMESPACE", false),
        ["model-source"] = ("MODEL_SOURCE", false),
        ["metrics-port"] = ("METRICS_PORT", false),
        ["log-format"] = ("LOG_FORMAT", false),
        ["shutdown-timeout"] = ("SHUTDOWN_TIMEOUT", false),
        ["token-issuer"] = ("TOKEN_ISSUER", false),
        ["token-review"] = ("TOKEN_REVIEW", true),
        ["token-review-audiences"] = ("TOKEN_REVIEW_AUDIENCES", false),
        ["tier-source"] = ("TIER_SOURCE", false),
    };

    /// <summary>Parses Go-style flags (<c>-flag value</c>, <c>--flag=value</c>, bare booleans) over the environment.</summary>
    public static HostSettings Parse(IReadOnlyList<string> args, Func<string, string?> environment, bool isDevelopment)
    {
        var values = new Dictionary<string, (string Value, string Source)>(StringComparer.Ordinal);
        foreach (var (flag, (variable, _)) in Flags)
        {
            if (variable is not null && environment(variable) is { Length: > 0 } fromEnvironment)
            {
                values[flag] = (fromEnvironment, variable);
            }
        }

        foreach (var variable in new[] { "DB_MAX_OPEN_CONNS", "DB_MAX_IDLE_CONNS", "DB_CONN_MAX_LIFETIME_SECONDS" })
        {
            if (environment(variable) is { Length: > 0 } fromEnvironment)
            {
                values[variable] = (fromEnvironment, variable);
            }
        }

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                break;
            }

            if (!arg.StartsWith('-') || arg == "-")
            {
                throw new HostSettingsException($"unexpected argument \"{arg}\": flags look like --name=value");
            }

            var body = arg.TrimStart('-');
            var equals = body.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? body : body[..equals];
            if (!Flags.TryGetValue(name, out var definition))
            {
                throw new HostSettingsException($"flag provided but not defined: -{name}");
            }

            string value;
            if (equals >= 0)
            {
                value = body[(equals + 1)..];
            }
            else if (definition.IsBool)
            {
                value = "true";
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new HostSettingsException($"flag needs an argument: -{name}");
            }

            values[name] = (value, "--" + name);
        }

        var settings = new HostSettings();
        settings.Apply(values, isDevelopment);
        return settings;
    }

    private void Apply(Dictionary<string, (string Value, string Source)> values, bool isDevelopment)
    {
        if (values.TryGetValue("storage", out var storage))
        {
            StorageMode = storage.Value.Trim().ToLowerInvariant() switch
            {
                "in-memory" or "memory" => "in-memory",
                "disk" => "disk",
                "external" => "external",
                _ => throw new HostSettingsException($"invalid value \"{storage.Value}\" for {storage.Source}: use in-memory, disk or external"),
            };
        }

        if (values.TryGetValue("data-path", out var dataPath))
        {
            DataPath = NonEmpty(dataPath);
        }

        if (values.TryGetValue("db-connection-url", out var url))
        {
            DbConnectionUrl = NonEmpty(url);
        }

        if (StorageMode == "external" && DbConnectionUrl is null)
        {
            throw new HostSettingsException("--db-connection-url (or DB_CONNECTION_URL) is required when --storage=external");
        }

        DbMaxOpenConnections = PositiveInt(values, "DB_MAX_OPEN_CONNS", DbMaxOpenConnections, allowZero: false);
        DbMaxIdleConnections = PositiveInt(values, "DB_MAX_IDLE_CONNS", DbMaxIdleConnections, allowZero: true);
        DbConnectionMaxLifetimeSeconds = PositiveInt(values, "DB_CONN_MAX_LIFETIME_SECONDS", DbConnectionMaxLifetimeSeconds, allowZero: true);
        if (DbMaxIdleConnections > DbMaxOpenConnections)
        {
            throw new HostSettingsException($"DB_MAX_IDLE_CONNS ({DbMaxIdleConnections}) must not exceed DB_MAX_OPEN_CONNS ({DbMaxOpenConnections})");
        }

        Secure = Bool(values, "secure");
        TlsSelfSigned = Bool(values, "tls-self-signed");
        Debug = Bool(values, "debug");
        if (values.TryGetValue("tls-cert", out var cert))
        {
            TlsCertificate = NonEmpty(cert);
        }

        if (values.TryGetValue("tls-key", out var key))
        {
            TlsKey = NonEmpty(key);
        }

        if (values.TryGetValue("tls-min-version", out var minVersion))
        {
            TlsMinimumVersion = minVersion.Value.Trim() switch
            {
                "1.2" or "VersionTLS12" or "TLS12" => SslProtocols.Tls12,
                "1.3" or "VersionTLS13" or "TLS13" => SslProtocols.Tls13,
                _ => throw new HostSettingsException($"invalid value \"{minVersion.Value}\" for {minVersion.Source}: use 1.2 or 1.3"),
            };
        }

        if (Secure && !TlsSelfSigned && (TlsCertificate is null || TlsKey is null))
        {
            throw new HostSettingsException("--secure needs --tls-cert and --tls-key, or --tls-self-signed");
        }

        if ((TlsCertificate is null) != (TlsKey is null))
        {
            throw new HostSettingsException("--tls-cert and --tls-key must be given together");
        }

        if (values.TryGetValue("name", out var name))
        {
            InstanceName = NonEmpty(name);
        }

        if (values.TryGetValue("namespace", out var ns))
        {
            Namespace = NonEmpty(ns);
        }

        if (values.TryGetValue("gateway-name", out var gatewayName))
        {
            GatewayName = NonEmpty(gatewayName);
        }

        if (values.TryGetValue("gateway-namespace", out var gatewayNamespace))
        {
            GatewayNamespace = NonEmpty(gatewayNamespace);
        }

        if (values.TryGetValue("model-source", out var modelSource))
        {
            ModelSource = modelSource.Value.Trim().ToLowerInvariant() switch
            {
                "configuration" => "configuration",
                "kserve" => "kserve",
                _ => throw new HostSettingsException($"invalid value \"{modelSource.Value}\" for {modelSource.Source}: use configuration or kserve"),
            };
        }

        ApplyOperations(values);
        ApplyKubernetes(values);
        var defaultPort = Secure ? 8443 : 8080;
        if (values.TryGetValue("address", out var address))
        {
            AddressText = address.Value;
            Address = ParseAddress(address.Value, address.Source);
        }
        else
        {
            // From a checkout (Development) stay on loopback; in a container listen on every interface.
            Address = new IPEndPoint(isDevelopment ? IPAddress.Loopback : IPAddress.Any, defaultPort);
            AddressText = (isDevelopment ? "127.0.0.1" : "") + ":" + defaultPort.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Parses Go's listen address forms: <c>:8080</c>, <c>127.0.0.1:8080</c>, <c>[::1]:8080</c>, <c>localhost:8080</c>.</summary>
    internal static IPEndPoint ParseAddress(string text, string source)
    {
        var value = text.Trim();
        var colon = value.LastIndexOf(':');
        if (colon < 0)
        {
            throw new HostSettingsException($"invalid value \"{text}\" for {source}: expected host:port, for example :8080 or 127.0.0.1:8080");
        }

        var hostPart = value[..colon];
        var portPart = value[(colon + 1)..];
        if (!int.TryParse(portPart, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new HostSettingsException($"invalid value \"{text}\" for {source}: port \"{portPart}\" is not a number from 0 to 65535");
        }

        if (hostPart.Length == 0)
        {
            return new IPEndPoint(IPAddress.Any, port);
        }

        if (hostPart.StartsWith('[') && hostPart.EndsWith(']'))
        {
            hostPart = hostPart[1..^1];
        }

        if (hostPart.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        if (!IPAddress.TryParse(hostPart, out var ip) || (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !text.Contains('[', StringComparison.Ordinal)))
        {
            throw new HostSettingsException($"invalid value \"{text}\" for {source}: \"{hostPart}\" is not an IP address (use an address, [v6-address] or localhost)");
        }

        return new IPEndPoint(ip, port);
    }

    private static string NonEmpty((string Value, string Source) value) =>
        string.IsNullOrWhiteSpace(value.Value)
            ? throw new HostSettingsException($"{value.Source} must not be empty")
            : value.Value.Trim();

    private static bool Bool(Dictionary<string, (string Value, string Source)> values, string flag)
    {
        if (!values.TryGetValue(flag, out var value))
        {
            return false;
        }

        // Go's strconv.ParseBool.
        return value.Value.Trim() switch
        {
            "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
            "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
            _ => throw new HostSettingsException($"invalid boolean value \"{value.Value}\" for {value.Source}"),
        };
    }

    private static int PositiveInt(Dictionary<string, (string Value, string Source)> values, string key, int fallback, bool allowZero)
    {
        if (!values.TryGetValue(key, out var value))
        {
            return fallback;
        }

        if (!int.TryParse(value.Value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || (!allowZero && number == 0))
        {
            throw new HostSettingsException($"invalid value \"{value.Value}\" for {value.Source}: expected a {(allowZero ? "non-negative" : "positive")} whole number");
        }

        return number;
    }
}

/// <summary>A flag or variable of the host has a wrong value; the message is one line naming it.</summary>
internal sealed class HostSettingsException(string message) : Exception(message);
