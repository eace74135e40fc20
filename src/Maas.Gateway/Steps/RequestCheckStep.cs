using Maas.Gateway.Requests;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Maas.Gateway.Steps;

/// <summary>
/// What the body may not ask of the model, checked before anything is counted: no copy of the
/// caller's credential in the body (a 400), and a <c>max_tokens</c> within the model's bound (its
/// own, else the gateway's <see cref="GatewayForwardingOptions.MaxTokens"/>; a 400 naming the
/// member), so no caller can make its reservation overflow a counter.
/// </summary>
internal sealed class RequestCheckStep(IOptions<GatewayForwardingOptions> options) : IGatewayStep
{
    private readonly int _maxTokens = options.Value.MaxTokens;

    public ValueTask InvokeAsync(GatewayCallContext context, GatewayCallHandler proceed)
    {
        var model = context.ResolvedModel!;
        if (context.Body is { } body && CredentialInBody.Check(body.Span, context.Credential) is { } found)
        {
            return context.DenyBadRequestAsync(found);
        }

        var bound = model.Descriptor.MaxTokens ?? _maxTokens;
        context.CompletionBound = bound;
        var request = context.Request;
        if (request.MaxTokens > bound)
        {
            return context.DenyAsync(
                StatusCodes.Status400BadRequest,
                $"'{request.MaxTokensParam}' is too large: {request.MaxTokens}. The model '{model.Id}' supports at most {bound} completion tokens.",
                "invalid_request_error",
                "invalid_value",
                request.MaxTokensParam);
        }

        return proceed(context);
    }
}
