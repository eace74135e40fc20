using Maas.ApiKeys;
using Maas.Errors;
using Maas.Hosting.Requests;
using Maas.Logging;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Maas.Hosting.Errors;

/// <summary>
/// Answers a failed binding (the caller, the body: <see cref="IBindingFailure"/>) before the handler
/// runs, and turns the service's exceptions into answers: bad requests 400, no tier or no administrator 403, an
/// unreachable store 503 with <c>Retry-After</c>. Anything else is logged (without request data) and is 500.
/// </summary>
/// <remarks>
/// An unavailable store is logged as one line per cause at most every <see cref="OutageLog.Interval"/>
/// for the whole process (with how many answers it stands for), never with a stack trace: a full disk
/// under load must not also fill the log. <c>AddEndpointFilter&lt;T&gt;</c> builds a filter per request,
/// so that state lives in the shared <see cref="OutageLog"/>, never in the filter.
/// </remarks>
internal sealed partial class MaasErrorFilter(ILogger<MaasErrorFilter> logger, OutageLog outages) : IEndpointFilter
{

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        // In parameter order: the caller is checked before the body, as the Go service did.
        var arguments = context.Arguments;
        for (var i = 0; i < arguments.Count; i++)
        {
            if (arguments[i] is IBindingFailure { Failure: { } failure })
            {
                return failure;
            }
        }

        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (InvalidRequestException ex)
        {
            var field = ex.Field.Length == 0 ? null : ex.Field;
            return ex.Code is { } code
                ? MaasError.BadRequestWithCode(ex.Message, field, code)
                : MaasError.Create(StatusCodes.Status400BadRequest, ex.Message, field);
        }
        catch (NoTierException ex)
        {
            return MaasError.Create(StatusCodes.Status403Forbidden, ex.Message);
        }
        catch (AdministratorRequiredException ex)
        {
            return MaasError.Create(StatusCodes.Status403Forbidden, ex.Message);
        }
        catch (CredentialConflictException ex)
        {
            return MaasError.Create(StatusCodes.Status409Conflict, ex.Message);
        }
        catch (StoreUnavailableException ex)
        {
            if (outages.ShouldLog(ex.Message, out var answers))
            {
                LogStoreUnavailable(logger, ex.Message, answers);
            }

            return MaasError.StoreUnavailable(ex.Service);
        }
        catch (OperationCanceledException) when (context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
        catch (BadHttpRequestException ex)
        {
            return MaasError.Create(ex.StatusCode, ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? "Request body is larger than 1 MiB."
                : RequestBody.UnreadableMessage);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogUnexpected(logger, ex.GetType().FullName ?? "exception", ex);
            return MaasError.Create(StatusCodes.Status500InternalServerError, "An unexpected error occurred.");
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Key store unavailable: {Reason} ({Count} request(s) answered 503 since the last such line)")]
    private static partial void LogStoreUnavailable(ILogger logger, string reason, int count);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Unexpected {ExceptionType} while serving a Maas request")]
    private static partial void LogUnexpected(ILogger logger, string exceptionType, Exception exception);
}
