namespace Maas.Gateway.Steps;

/// <summary>
/// One step of a gateway model call. The gateway runs its steps in order, each handing the call to
/// the next: the caller's credential checked, the body read, the model and the caller's tier
/// resolved and the request checked against the model, then the steps a host added with
/// <c>AddMaasGatewayStep&lt;TStep&gt;()</c> (in the order they were added), then the limits acquired and the
/// call forwarded and settled.
/// </summary>
/// <remarks>
/// A host step therefore sees the authenticated <see cref="GatewayCallContext.User"/>, their
/// <see cref="GatewayCallContext.Tier"/> and the <see cref="GatewayCallContext.Model"/> called, and
/// a call it refuses (<see cref="GatewayCallContext.RefuseAsync"/>, without calling
/// <c>proceed</c>) has counted against no limit. Steps are singletons, resolved once when the gateway
/// takes its first call, and run on every call: keep them free of per-call allocations and return
/// <c>proceed(context)</c> directly when nothing needs to be awaited.
/// </remarks>
public interface IGatewayStep
{
    /// <summary>Runs this step of <paramref name="context"/>; calls <paramref name="proceed"/> to go on, or ends the call by not calling it.</summary>
    /// <param name="context">The call's state, shared by every step.</param>
    /// <param name="proceed">The rest of the call: the following steps, the forward to the model and its settlement.</param>
    /// <returns>A task that completes when this step and those it called have finished.</returns>
    ValueTask InvokeAsync(GatewayCallContext context, GatewayCallHandler proceed);
}
