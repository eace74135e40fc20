using Maas.Gateway.Responses;

namespace Maas.Gateway.Tests;

/// <summary>Stands for the call a <see cref="UsageMeteringStream"/> meters: hands each report to <paramref name="onUsage"/> and records what a held answer told.</summary>
internal sealed class UsageObserver(Func<TokenUsage, ValueTask>? onUsage = null) : IUsageObserver
{
    /// <summary>Gets each end of a held answer, with the usage it showed.</summary>
    public List<TokenUsage?> HeldEnds { get; } = [];

    /// <summary>Gets how many times a held answer was let go before it ended.</summary>
    public int Releases { get; private set; }

    public ValueTask OnUsageAsync(TokenUsage usage) => onUsage?.Invoke(usage) ?? ValueTask.CompletedTask;

    public ValueTask OnHeldAnswerEndedAsync(TokenUsage? usage)
    {
        HeldEnds.Add(usage);
        return ValueTask.CompletedTask;
    }

    public void OnHeldAnswerReleased() => Releases++;
}
