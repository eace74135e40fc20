using System.Runtime.CompilerServices;
using System.Security.Claims;
using Maas.ApiKeys;
using Maas.Gateway.Diagnostics;
using Maas.Gateway.Responses;
using Maas.Hosting.Authentication;
using Maas.Logging;
using Maas.Validation;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Log = Maas.Gateway.Forwarding.Log;

namespace Maas.Gateway.Steps;

/// <summary>
/// The caller's bearer credential (a Maas token or API key) validated in process: a 401 when it is
/// missing, invalid, expired or revoked, a 403 (<c>invalid_subscription</c>) for a key whose
/// subscription its owner is no longer entitled to, a 503 while the key store is unreachable; else
/// the caller and their tier (a key's subscription's tier, when it has one) go on in the call. <c>GET /v1/usage</c> and <c>GET /v1/models/{id}</c> check
/// their caller the same way (<see cref="AuthenticateAsync"/>).
/// </summary>
internal sealed class AuthenticationStep(CredentialValidationService credentials, ILogger<AuthenticationStep> logger) : IGatewayStep
{
    private const string BearerPrefix = "Bearer ";

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask InvokeAsync(GatewayCallContext context, GatewayCallHandler proceed)
    {
        var (credential, validation) = await AuthenticateAsync(context.HttpContext).ConfigureAwait(false);
        if (validation is null)
        {
            context.Count(GatewayMetrics.Denied);
            return;
        }

        context.Authenticated(credential, validation);
        await proceed(context).ConfigureAwait(false);
    }

    /// <summary>Validates the bearer credential; on failure the answer (401 or 503) is written and the validation is <see langword="null"/>.</summary>
    public async ValueTask<(string Credential, CredentialValidation? Validation)> AuthenticateAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization;
        var value = authorization.Count == 1 ? authorization[0] : null;
        if (value is null || !value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) || value.AsSpan(BearerPrefix.Length).Trim().IsEmpty)
        {
            await OpenAiErrorAnswer.Unauthorized(context, "Missing credentials: send Authorization: Bearer <Maas token or API key>.").ConfigureAwait(false);
            return ("", null);
        }

        var credential = value.AsSpan(BearerPrefix.Length).Trim().ToString();
        try
        {
            var validation = await credentials.ValidateAsync(credential, context.RequestAborted).ConfigureAwait(false);
            if (validation.IsValid)
            {
                // The caller for whatever reads the request after the gateway, such as a host's request log line.
                context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, validation.User!.Name)], MaasAuthenticationDefaults.BearerScheme));
                return (credential, validation);
            }

            if (validation.Failure == ValidationFailure.NotEntitled)
            {
                // A genuine key whose subscription its owner lost: 403 (not 401: the key is right, the
                // entitlement is gone), as the later Go service's gateway refuses it, with create's code.
                await OpenAiErrorAnswer.WriteAsync(
                    context,
                    StatusCodes.Status403Forbidden,
                    SubscriptionRefusal(validation.Subscription),
                    "permission_error",
                    "invalid_subscription",
                    "subscription").ConfigureAwait(false);
                return ("", null);
            }

            await OpenAiErrorAnswer.Unauthorized(context, "The bearer credential is invalid, expired or revoked.").ConfigureAwait(false);
        }
        catch (StoreUnavailableException ex)
        {
            // One line per cause every 10 s for the whole process, shared with the API's error filter.
            if (context.RequestServices.GetRequiredService<OutageLog>().ShouldLog(ex.Message, out var answers))
            {
                Log.StoreUnavailable(logger, ex.Message, answers);
            }

            context.Response.Headers.RetryAfter = "1";
            await OpenAiErrorAnswer.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The key store is temporarily unavailable; retry shortly.", "server_error", "service_unavailable").ConfigureAwait(false);
        }

        return ("", null);
    }

    // The subscription was checked when the key was created (at most 253 characters, no control characters).
    private static string SubscriptionRefusal(string? subscription) =>
        $"This API key draws on subscription '{subscription}', which no longer exists or its owner is no longer entitled to; create a key for one of the owner's tiers.";
}
