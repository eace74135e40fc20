namespace Maas.Gateway.Steps;

/// <summary>The rest of a gateway call after a step: the following steps, then the forward to the model and its settlement.</summary>
/// <param name="context">The call's state, shared by every step.</param>
/// <returns>A task that completes when the rest of the call has finished.</returns>
public delegate ValueTask GatewayCallHandler(GatewayCallContext context);
