using Maas.Hosting.Errors;
using Maas.Hosting.Requests;
using Maas.Hosting.Throttling;
using Maas.Validation;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Maas.Hosting.Introspection;

/// <summary>
/// <c>POST /v1/introspect</c>, RFC 7662: a gateway client (HTTP Basic) posts
/// <c>token=...</c> form-encoded and learns whether the token or API key is active, and whose,
/// with which tier. Anything unknown, malformed, expired, revoked or without a tier is
/// <c>{"active":false}</c>, with no hint of which.
/// </summary>
internal static class IntrospectionEndpoint
{
    /// <summary><c>token_type</c> of an ephemeral token (a JWT issued here).</summary>
    public const string AccessTokenType = "access_token";

    /// <summary><c>token_type</c> of an API key.</summary>
    public const string ApiKeyType = "api_key";

    private const string FormContentType = "application/x-www-form-urlencoded";

    public static async Task<Results<JsonHttpResult<IntrospectionResponse>, MaasError>> IntrospectAsync(
        HttpContext context, GatewayClientAuthenticator clients, CredentialValidationService credentials, IOptions<MaasOptions> options, FailedAuthenticationThrottle throttle)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";

        if (throttle.IsThrottled(context, out var wait))
        {
            return MaasError.TooManyFailedAuthentications(wait, oauth: true);
        }

        var clientId = clients.Authenticate(request.Headers.Authorization);
        if (clientId is null)
        {
            throttle.RecordFailure(context, FailedAuthenticationKind.IntrospectionClient);
            return MaasError.OAuth(StatusCodes.Status401Unauthorized, "invalid_client",
                "Client authentication failed: send a configured gateway client's id and secret with HTTP Basic authentication.",
                wwwAuthenticate: "Basic realm=\"maas\"");
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals(FormContentType, StringComparison.OrdinalIgnoreCase))
        {
            return Error(StatusCodes.Status415UnsupportedMediaType, "invalid_request",
                $"The request body must be form-encoded (Content-Type: {FormContentType}).");
        }

        IntrospectionForm form;
        RequestBody? read;
        try
        {
            read = await RequestBody.ReadAsync(context).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            return Error(ex.StatusCode, "invalid_request", RequestBody.UnreadableMessage);
        }

        using (var body = read)
        {
            if (body is null)
            {
                return TooLarge();
            }

            if (!IntrospectionForm.TryParse(body.Span, out form))
            {
                return Error(StatusCodes.Status400BadRequest, "invalid_request", "The form body could not be read.");
            }
        }

        if (form.TokenCount != 1 || string.IsNullOrEmpty(form.Token))
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_request", "The 'token' parameter is required, once.");
        }

        // The hint only saves a lookup (RFC 7662 section 2.1); the credential's shape tells us more.
        if (form.HintCount > 1)
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_request", "The 'token_type_hint' parameter may appear once.");
        }

        var validation = await credentials.ValidateAsync(form.Token, context.RequestAborted).ConfigureAwait(false);
        if (!validation.IsValid)
        {
            return Answer(IntrospectionResponse.Inactive);
        }

        var isToken = validation.Kind == CredentialKind.Token;
        return Answer(new IntrospectionResponse
        {
            Active = true,
            Subject = validation.User.Name,
            Username = validation.User.Name,
            Groups = validation.User.Groups,
            Tier = validation.Tier.Name,
            ExpiresAt = validation.ExpiresAt.ToUnixTimeSeconds(),
            IssuedAt = validation.IssuedAt.ToUnixTimeSeconds(),
            Id = validation.Id,
            TokenType = isToken ? AccessTokenType : ApiKeyType,
            ClientId = clientId,
            Issuer = isToken ? options.Value.Issuer : null,
            Audience = isToken ? options.Value.Audience : null,
        });
    }

    private static JsonHttpResult<IntrospectionResponse> Answer(IntrospectionResponse response) =>
        TypedResults.Json(response, MaasJsonContext.Default.IntrospectionResponse, "application/json");

    private static MaasError TooLarge() =>
        Error(StatusCodes.Status413PayloadTooLarge, "invalid_request", RequestBody.TooLargeMessage);

    /// <summary>Problem details that are also an RFC 6749 error (<c>error</c>, <c>error_description</c>).</summary>
    private static MaasError Error(int status, string error, string description) => MaasError.OAuth(status, error, description);
}
