using System.Reflection;
using Maas.Hosting.Errors;
using Maas.Hosting.Requests;
using Maas.Users;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Hosting.Authentication;

/// <summary>
/// The caller of a Maas endpoint, bound from the authenticated <c>HttpContext.User</c> (the
/// endpoint's authorization policy signed it in) through <see cref="MaasUserMapper"/>. On the
/// endpoints marked <see cref="MintingEndpointMetadata"/> a caller signed in with a Maas credential is
/// refused (<see cref="MintingGuard"/>), whatever the policy.
/// </summary>
internal sealed class MaasCaller : IBindableFromHttpContext<MaasCaller>, IBindingFailure
{
    private readonly MaasUser? _user;

    private MaasCaller(MaasUser? user, MaasError? failure)
    {
        _user = user;
        Failure = failure;
    }

    /// <summary>Gets the user; valid once the filter has checked <see cref="Failure"/>.</summary>
    public MaasUser User => _user ?? throw new InvalidOperationException("The caller was not established.");

    public MaasError? Failure { get; }

    public static ValueTask<MaasCaller?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        ArgumentNullException.ThrowIfNull(context);
        var services = context.RequestServices;
        if (context.GetEndpoint()?.Metadata.GetMetadata<MintingEndpointMetadata>() is not null
            && services.GetRequiredService<MintingGuard>().Refuses(context))
        {
            return ValueTask.FromResult<MaasCaller?>(new(null, MaasError.Unauthorized(MintingGuard.Message)));
        }

        return ValueTask.FromResult<MaasCaller?>(services.GetRequiredService<MaasUserMapper>().TryMap(context.User, out var user, out var failure)
            ? new(user, null)
            : new(null, MaasError.Unauthorized(failure)));
    }
}
