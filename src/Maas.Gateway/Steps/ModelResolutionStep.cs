using System.Runtime.CompilerServices;
using Maas.Gateway.Forwarding;
using Maas.Models;
using Microsoft.AspNetCore.Http;

namespace Maas.Gateway.Steps;

/// <summary>
/// The model called, and whether the caller's tier may use it: the model of the URL (a 400 when the
/// body names another), else the body's <c>model</c> (a 400 when missing, a 404 when not served
/// here); a 403 when the catalog does not list it for the tier.
/// </summary>
internal sealed class ModelResolutionStep(GatewayModels models, IModelCatalog catalog) : IGatewayStep
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask InvokeAsync(GatewayCallContext context, GatewayCallHandler proceed)
    {
        var request = context.Request;
        GatewayModel? model;
        if (context.PathModel is { } pathModel)
        {
            if (request.Model is { Length: > 0 } named && !string.Equals(named, pathModel.Id, StringComparison.Ordinal))
            {
                await context.DenyBadRequestAsync($"This URL serves model '{pathModel.Id}'; the body names '{named}'.").ConfigureAwait(false);
                return;
            }

            model = pathModel;
        }
        else if (request.Model is not { Length: > 0 } id)
        {
            await context.DenyBadRequestAsync("'model' is required: name the model to context.").ConfigureAwait(false);
            return;
        }
        else if ((model = models.Find(id)) is null)
        {
            await context.DenyAsync(StatusCodes.Status404NotFound, $"The model '{id}' does not exist or is not served here.", "invalid_request_error", "model_not_found").ConfigureAwait(false);
            return;
        }

        var tier = context.Tier;
        var allowed = await catalog.ListAsync(tier, context.HttpContext.RequestAborted).ConfigureAwait(false);
        for (var i = 0; i < allowed.Count; i++)
        {
            if (string.Equals(allowed[i].Id, model.Id, StringComparison.Ordinal))
            {
                context.ResolvedModel = model;
                await proceed(context).ConfigureAwait(false);
                return;
            }
        }

        await context.DenyAsync(StatusCodes.Status403Forbidden, $"Tier '{tier.Name}' may not use the model '{model.Id}'.", "permission_error", "model_not_allowed").ConfigureAwait(false);
    }
}
