using System.Net;
using System.Security.Cryptography;
using System.Text;
using Maas.Hosting.Introspection;
using Maas.Hosting.Throttling;
using Maas.Users;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.Authentication;

/// <summary>What the gateway's identity headers said about a request.</summary>
internal enum GatewayIdentityOutcome
{
    /// <summary>The request carries no identity headers.</summary>
    None,

    /// <summary>The headers came from the gateway and name a user.</summary>
    Established,

    /// <summary>The headers are untrusted or malformed; the failure says which.</summary>
    Refused,
}

/// <summary>
/// Reads the user from the gateway's identity headers, trusting them only with the shared
/// secret header (or, in Development without a secret, from loopback). Untrusted headers are
/// stripped. Shared by the Maas endpoints and the <c>MaasGateway</c> authentication scheme.
/// </summary>
internal sealed partial class GatewayIdentityReader(
    IOptionsMonitor<TrustedGatewayOptions> gatewayOptions,
    IHostEnvironment environment,
    Throttling.FailedAuthenticationThrottle throttle,
    ILogger<GatewayIdentityReader> logger)
{
    private int _warnedAboutLoopback;
    private SecretDigest? _secret;

    public GatewayIdentityOutcome Read(HttpContext context, out MaasUser? user, out string? failure)
    {
        user = null;
        failure = null;
        var options = gatewayOptions.CurrentValue;
        var headers = context.Request.Headers;
        var hasUser = headers.TryGetValue(options.UserHeader, out var userValues);
        var hasGroups = headers.TryGetValue(options.GroupHeader, out var groupValues);
        if (!hasUser && !hasGroups)
        {
            return GatewayIdentityOutcome.None;
        }

        if (!IsFromTrustedGateway(context, options))
        {
            throttle.RecordFailure(context, Throttling.FailedAuthenticationKind.GatewaySecret);
            headers.Remove(options.UserHeader);
            headers.Remove(options.GroupHeader);
            failure = $"Identity headers are only accepted from the gateway; this request did not carry a valid {options.SecretHeader} header.";
            return GatewayIdentityOutcome.Refused;
        }

        var userName = userValues.Count == 1 ? userValues[0]?.Trim() : null;
        if (string.IsNullOrEmpty(userName))
        {
            failure = $"Missing or empty {options.UserHeader} header.";
            return GatewayIdentityOutcome.Refused;
        }

        if (userName.Length > 512 || ContainsControl(userName))
        {
            failure = $"{options.UserHeader} header is not a valid user name.";
            return GatewayIdentityOutcome.Refused;
        }

        if (!hasGroups || groupValues.Count != 1)
        {
            failure = $"Missing {options.GroupHeader} header: send the user's groups as a JSON array of strings.";
            return GatewayIdentityOutcome.Refused;
        }

        if (!GroupHeaderParser.TryParse(groupValues[0] ?? "", out var groups))
        {
            failure = $"{options.GroupHeader} header must be a list of groups: a JSON array of strings such as [\"group-a\",\"group-b\"].";
            return GatewayIdentityOutcome.Refused;
        }

        user = new MaasUser(userName, groups);
        return GatewayIdentityOutcome.Established;
    }

    /// <summary>The message for a request that needed the gateway's headers and had none.</summary>
    public string MissingIdentityMessage(HttpContext context)
    {
        var options = gatewayOptions.CurrentValue;
        return context.Request.Headers.Authorization.Count > 0
            ? "This endpoint needs the gateway's identity headers: a token or key issued by Maas cannot create or revoke credentials."
            : $"Missing identity: the gateway must send the {options.UserHeader} and {options.GroupHeader} headers.";
    }

    private static bool ContainsControl(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }

    private bool IsFromTrustedGateway(HttpContext context, TrustedGatewayOptions options)
    {
        if (!string.IsNullOrEmpty(options.SharedSecret))
        {
            if (!context.Request.Headers.TryGetValue(options.SecretHeader, out var presented) || presented.Count != 1)
            {
                return false;
            }

            var secret = _secret;
            if (secret is null || !ReferenceEquals(secret.Secret, options.SharedSecret))
            {
                _secret = secret = new SecretDigest(options.SharedSecret);
            }

            return secret.Matches(presented[0] ?? "");
        }

        var remote = context.Connection.RemoteIpAddress;
        if (!environment.IsDevelopment() || remote is null || !IPAddress.IsLoopback(remote))
        {
            return false;
        }

        if (Interlocked.Exchange(ref _warnedAboutLoopback, 1) == 0)
        {
            LogTrustingLoopback(logger, options.SecretHeader);
        }

        return true;
    }

    /// <summary>The shared secret's SHA-256, computed once, compared in constant time with the presented value's.</summary>
    private sealed class SecretDigest(string secret)
    {
        private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(secret));

        public string Secret { get; } = secret;

        public bool Matches(string presented) => Introspection.GatewayClientSecret.Matches(presented, _expected);
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning,
        Message = "No gateway shared secret is configured: trusting identity headers from loopback callers because the environment is Development. Set Maas:Gateway:SharedSecret and have the gateway send {SecretHeader} before exposing this service.")]
    private static partial void LogTrustingLoopback(ILogger logger, string secretHeader);
}
