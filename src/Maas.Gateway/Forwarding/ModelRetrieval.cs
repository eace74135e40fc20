using System.Text.Json;
using Maas.Gateway.Responses;
using Maas.Gateway.Steps;
using Maas.Models;
using Microsoft.AspNetCore.Http;

namespace Maas.Gateway.Forwarding;

/// <summary>
/// <c>GET /v1/models/{id}</c> at the root: one model of the caller's tier as the catalog describes it, in OpenAI's
/// shape (<c>id</c>, <c>object</c>, <c>created</c>, <c>owned_by</c>), the card the control plane's
/// <c>GET /v1/models</c> lists; 404 <c>model_not_found</c> for a model the tier may not use or that does not exist,
/// so the answer does not tell which. Not counted against the limits, as the control plane's list is not.
/// </summary>
internal sealed class ModelRetrieval(AuthenticationStep authentication, IModelCatalog catalog)
{
    public Task GetAsync(HttpContext context, string id) => GetAsync(context, id, null);

    /// <summary>
    /// <c>GET {url path}/v1/models/{id}</c>: answered here from the catalog rather than forwarded (vLLM has no such
    /// route); only the URL's own model is found there.
    /// </summary>
    public async Task GetAsync(HttpContext context, string id, GatewayModel? urlModel)
    {
        RequestIdHeader.Write(context);
        var (_, validation) = await authentication.AuthenticateAsync(context).ConfigureAwait(false);
        if (validation is null)
        {
            return;
        }

        // OpenAI's SDKs escape the id's '/' (facebook%2Fopt-125m); Kestrel leaves %2F in the path.
        var wanted = Uri.UnescapeDataString(id);
        var allowed = await catalog.ListAsync(validation.Tier!, context.RequestAborted).ConfigureAwait(false);
        foreach (var model in allowed)
        {
            if (string.Equals(model.Id, wanted, StringComparison.Ordinal) && (urlModel is null || string.Equals(urlModel.Id, wanted, StringComparison.Ordinal)))
            {
                await WriteCardAsync(context, model).ConfigureAwait(false);
                return;
            }
        }

        await NotFoundAsync(context, wanted).ConfigureAwait(false);
    }

    private static Task NotFoundAsync(HttpContext context, string id) => OpenAiErrorAnswer.WriteAsync(
        context, StatusCodes.Status404NotFound, $"The model '{id}' does not exist or is not available to your tier.", "invalid_request_error", "model_not_found", "model");

    private static async Task WriteCardAsync(HttpContext context, ModelDescriptor model)
    {
        var response = context.Response;
        response.ContentType = "application/json; charset=utf-8";
        using (var json = new Utf8JsonWriter(response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteString("id"u8, model.Id);
            json.WriteString("object"u8, "model"u8);
            json.WriteNumber("created"u8, model.Created);
            json.WriteString("owned_by"u8, model.OwnedBy);
            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
