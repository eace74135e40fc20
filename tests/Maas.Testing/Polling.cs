using System.Diagnostics;

namespace Maas.Testing;

/// <summary>Waiting, on the real clock, for what another process or replica makes true (a revocation announced through the database).</summary>
public static class Polling
{
    /// <summary>Whether <paramref name="condition"/> became true within <paramref name="within"/>, asked every 10 ms.</summary>
    public static async Task<bool> PollAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        do
        {
            try
            {
                if (await condition())
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // The host may be between connections while the database comes back.
            }

            await Task.Delay(10);
        }
        while (clock.Elapsed < within);
        return await condition();
    }
}
