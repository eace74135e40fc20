namespace Maas.Gateway.Limits;

/// <summary>
/// LLM tokens reserved before a call is forwarded; settled exactly once with the real count
/// (<see cref="ILimitCounter.SettleAsync"/>), whatever happens to the call.
/// </summary>
/// <param name="Partition">The budget the tokens were reserved on.</param>
/// <param name="Reserved">How many tokens were reserved.</param>
/// <param name="WindowStart">When the window the reservation was counted in started, so a settlement after it ended changes nothing.</param>
internal sealed record TokenReservation(LimitPartition Partition, long Reserved, DateTimeOffset WindowStart);
