using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Maas.Hosting.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.Authentication;

/// <summary>
/// Establishes the user from the gateway's identity headers, but only when the request proves
/// it came through the gateway (the shared secret header), or, in Development without a secret,
/// from a loopback address. Otherwise the headers are stripped and ignored.
/// </summary>
internal sealed partial class GatewayHeaderHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IOptionsMonitor<MaasGatewayOptions> gatewayOptions,
    IHostEnvironment environment,
    GatewayTrustWarning trustWarning)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var options = gatewayOptions.CurrentValue;
        var headers = Request.Headers;
        var hasUser = headers.TryGetValue(options.UserHeader, out var userValues);
        var hasGroups = headers.TryGetValue(options.GroupHeader, out var groupValues);
        if (!hasUser && !hasGroups)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!IsFromTrustedGateway(options))
        {
            headers.Remove(options.UserHeader);
            headers.Remove(options.GroupHeader);
            return Fail($"Identity headers are only accepted from the gateway; this request did not carry a valid {options.SecretHeader} header.");
        }

        if (!hasUser || userValues.Count != 1 || string.IsNullOrWhiteSpace(userValues[0]))
        {
            return Fail($"Missing or empty {options.UserHeader} header.");
        }

        var userName = userValues[0]!.Trim();
        if (userName.Length > 512 || userName.Any(char.IsControl))
        {
            return Fail($"{options.UserHeader} header is not a valid user name.");
        }

        if (!hasGroups || groupValues.Count != 1)
        {
            return Fail($"Missing {options.GroupHeader} header: send the user's groups as a JSON array of strings.");
        }

        if (!GroupHeaderParser.TryParse(groupValues[0] ?? "", out var groups))
        {
            return Fail($"{options.GroupHeader} header must be a list of groups: a JSON array of strings such as [\"group-a\",\"group-b\"].");
        }

        var identity = new ClaimsIdentity(MaasAuthenticationDefaults.GatewayScheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, userName));
        foreach (var group in groups)
        {
            identity.AddClaim(new Claim(MaasAuthenticationDefaults.GroupClaim, group));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        var options = gatewayOptions.CurrentValue;
        var message = result.Failure?.Message;
        if (message is null)
        {
            message = Request.Headers.Authorization.Count > 0
                ? "This endpoint needs the gateway's identity headers: a token or key issued by Maas cannot create or revoke credentials."
                : $"Missing identity: the gateway must send the {options.UserHeader} and {options.GroupHeader} headers.";
        }

        await ErrorResult.WriteAsync(Context, StatusCodes.Status401Unauthorized, message).ConfigureAwait(false);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ErrorResult.WriteAsync(Context, StatusCodes.Status403Forbidden, "The caller may not use this endpoint.");

    private static Task<AuthenticateResult> Fail(string message) => Task.FromResult(AuthenticateResult.Fail(message));

    private bool IsFromTrustedGateway(MaasGatewayOptions options)
    {
        if (!string.IsNullOrEmpty(options.SharedSecret))
        {
            if (!Request.Headers.TryGetValue(options.SecretHeader, out var presented) || presented.Count != 1)
            {
                return false;
            }

            Span<byte> expected = stackalloc byte[SHA256.HashSizeInBytes];
            Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(Encoding.UTF8.GetBytes(options.SharedSecret), expected);
            SHA256.HashData(Encoding.UTF8.GetBytes(presented[0] ?? ""), actual);
            return CryptographicOperations.FixedTimeEquals(expected, actual);
        }

        var remote = Context.Connection.RemoteIpAddress;
        if (!environment.IsDevelopment() || remote is null || !IPAddress.IsLoopback(remote))
        {
            return false;
        }

        if (trustWarning.ShouldWarn())
        {
            LogTrustingLoopback(Logger, options.SecretHeader);
        }

        return true;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning,
        Message = "No gateway shared secret is configured: trusting identity headers from loopback callers because the environment is Development. Set Maas:Gateway:SharedSecret and have the gateway send {SecretHeader} before exposing this service.")]
    private static partial void LogTrustingLoopback(ILogger logger, string secretHeader);
}

/// <summary>Makes the "trusting loopback headers" warning appear once per process, not per request.</summary>
internal sealed class GatewayTrustWarning
{
    private int _warned;

    public bool ShouldWarn() => Interlocked.Exchange(ref _warned, 1) == 0;
}
