namespace Maas.Storage.Sqlite;

/// <summary>Converts instants to and from Unix microseconds (UTC), rounding toward the past.</summary>
internal static class UnixMicroseconds
{
    private const long TicksPerMicrosecond = TimeSpan.TicksPerMicrosecond;

    public static long From(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return ticks >= 0 ? ticks / TicksPerMicrosecond : -((-ticks + TicksPerMicrosecond - 1) / TicksPerMicrosecond);
    }

    public static DateTimeOffset To(long microseconds) =>
        new(DateTimeOffset.UnixEpoch.UtcTicks + (microseconds * TicksPerMicrosecond), TimeSpan.Zero);
}
