namespace Maas.Gateway.Responses;

/// <summary>
/// What <see cref="UsageMeteringStream"/> tells the call it meters: the answer's final usage, and
/// for a held answer (<see cref="UsageMeteringStream.HoldUpTo"/>) when its headers are about to go.
/// The call itself (<see cref="Steps.GatewayCallContext"/>) observes, so metering a call allocates no delegate.
/// </summary>
internal interface IUsageObserver
{
    /// <summary>The answer's final usage, reported at most once: settles the call.</summary>
    ValueTask OnUsageAsync(TokenUsage usage);

    /// <summary>
    /// A held answer ended whole: settle the call (with <paramref name="usage"/> when the answer
    /// showed one) and write the headers that depend on it; its first byte goes right after.
    /// </summary>
    ValueTask OnHeldAnswerEndedAsync(TokenUsage? usage);

    /// <summary>A held answer outgrew its bound: write the headers as they stand before settlement; its bytes go on as they come.</summary>
    void OnHeldAnswerReleased();
}
