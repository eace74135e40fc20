using System.Globalization;
using System.Net;
using System.Security.Authentication;
using Maas.Hosting.CommandLine;

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

    /// <summary>
    /// Every setting: its flag (none for the variables the Go service reads only from the environment), its
    /// variable, and what its value sets. Each value is read on its own, in this order; the rules across
    /// settings follow in <see cref="Apply"/>.
    /// </summary>
    private static readonly GoFlag<HostSettings>[] Settings =
    [
        new("storage", "STORAGE_MODE", (s, v) => s.StorageMode = string.Equals(v.Value.Trim(), "memory", StringComparison.OrdinalIgnoreCase) ? "in-memory" : v.OneOf("in-memory", "disk", "external")),
        new("data-path", "DATA_PATH", (s, v) => s.DataPath = v.NonEmpty()),
        new("db-connection-url", "DB_CONNECTION_URL", (s, v) => s.DbConnectionUrl = v.NonEmpty()),
        new(null, "DB_MAX_OPEN_CONNS", (s, v) => s.DbMaxOpenConnections = v.WholeNumber(allowZero: false)),
        new(null, "DB_MAX_IDLE_CONNS", (s, v) => s.DbMaxIdleConnections = v.WholeNumber(allowZero: true)),
        new(null, "DB_CONN_MAX_LIFETIME_SECONDS", (s, v) => s.DbConnectionMaxLifetimeSeconds = v.WholeNumber(allowZero: true)),
        new("secure", "SECURE", (s, v) => s.Secure = v.Boolean(), isBoolean: true),
        new("tls-self-signed", "TLS_SELF_SIGNED", (s, v) => s.TlsSelfSigned = v.Boolean(), isBoolean: true),
        new("debug", "DEBUG_MODE", (s, v) => s.Debug = v.Boolean(), isBoolean: true),
        new("tls-cert", "TLS_CERT", (s, v) => s.TlsCertificate = v.NonEmpty()),
        new("tls-key", "TLS_KEY", (s, v) => s.TlsKey = v.NonEmpty()),
        new("tls-min-version", "TLS_MIN_VERSION", (s, v) => s.TlsMinimumVersion = v.Value.Trim() switch
        {
            "1.2" or "VersionTLS12" or "TLS12" => SslProtocols.Tls12,
            "1.3" or "VersionTLS13" or "TLS13" => SslProtocols.Tls13,
            _ => throw new HostSettingsException($"invalid value \"{v.Value}\" for {v.Source}: use 1.2 or 1.3"),
        }),
        new("name", "INSTANCE_NAME", (s, v) => s.InstanceName = v.NonEmpty()),
        new("namespace", "NAMESPACE", (s, v) => s.Namespace = v.NonEmpty()),
        new("gateway-name", "GATEWAY_NAME", (s, v) => s.GatewayName = v.NonEmpty()),
        new("gateway-namespace", "GATEWAY_NAMESPACE", (s, v) => s.GatewayNamespace = v.NonEmpty()),
        new("model-source", "MODEL_SOURCE", (s, v) => s.ModelSource = v.OneOf("configuration", "kserve")),
        new("metrics-port", "METRICS_PORT", (s, v) => s.MetricsPort = ParseMetricsPort(v)),
        new("log-format", "LOG_FORMAT", (s, v) => s.LogFormat = v.OneOf("text", "json")),
        new("shutdown-timeout", "SHUTDOWN_TIMEOUT", (s, v) => s.ShutdownTimeout = ParseShutdownTimeout(v)),
        new("token-issuer", "TOKEN_ISSUER", (s, v) => s.TokenIssuer = v.OneOf("built-in", "service-account")),
        new("token-review", "TOKEN_REVIEW", (s, v) => s.TokenReview = v.Boolean(), isBoolean: true),
        new("token-review-audiences", "TOKEN_REVIEW_AUDIENCES", (s, v) => s.TokenReviewAudiences = s.ParseTokenReviewAudiences(v)),
        new("tier-source", "TIER_SOURCE", (s, v) => s.TierSource = v.OneOf("configuration", "configmap")),
        new("address", "ADDRESS", (s, v) => (s.AddressText, s.Address) = (v.Value, v.ListenAddress())),
    ];

    /// <summary>Parses Go-style flags (<c>-flag value</c>, <c>--flag=value</c>, bare booleans) over the environment.</summary>
    public static HostSettings Parse(IReadOnlyList<string> args, Func<string, string?> environment, bool isDevelopment)
    {
        var settings = new HostSettings();
        try
        {
            GoFlags.Apply(settings, Settings, args, environment);
        }
        catch (GoFlagException ex)
        {
            // Go's syntax and the values' own errors, as the host's one start-up line.
            throw new HostSettingsException(ex.Message);
        }

        settings.Apply(isDevelopment);
        return settings;
    }

    /// <summary>The rules across settings, and the defaults that depend on the environment.</summary>
    private void Apply(bool isDevelopment)
    {
        if (StorageMode == "external" && DbConnectionUrl is null)
        {
            throw new HostSettingsException("--db-connection-url (or DB_CONNECTION_URL) is required when --storage=external");
        }

        if (DbMaxIdleConnections > DbMaxOpenConnections)
        {
            throw new HostSettingsException($"DB_MAX_IDLE_CONNS ({DbMaxIdleConnections}) must not exceed DB_MAX_OPEN_CONNS ({DbMaxOpenConnections})");
        }

        if (Secure && !TlsSelfSigned && (TlsCertificate is null || TlsKey is null))
        {
            throw new HostSettingsException("--secure needs --tls-cert and --tls-key, or --tls-self-signed");
        }

        if ((TlsCertificate is null) != (TlsKey is null))
        {
            throw new HostSettingsException("--tls-cert and --tls-key must be given together");
        }

        if (Address is null)
        {
            // From a checkout (Development) stay on loopback; in a container listen on every interface.
            var defaultPort = Secure ? 8443 : 8080;
            Address = new IPEndPoint(isDevelopment ? IPAddress.Loopback : IPAddress.Any, defaultPort);
            AddressText = (isDevelopment ? "127.0.0.1" : "") + ":" + defaultPort.ToString(CultureInfo.InvariantCulture);
        }
    }
}

/// <summary>A flag or variable of the host has a wrong value; the message is one line naming it.</summary>
internal sealed class HostSettingsException(string message) : Exception(message);
