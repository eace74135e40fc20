namespace Maas.Benchmarks.Scale;

/// <summary>What the scale runs share on the command line: options, refusals and time-stamped progress on stderr.</summary>
internal static class ScaleConsole
{
    /// <summary>Throws with <paramref name="message"/> unless <paramref name="condition"/> holds.</summary>
    public static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    /// <summary>Returns the value after <paramref name="name"/> in <paramref name="args"/>, or <see langword="null"/>.</summary>
    public static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    /// <summary>Writes one progress line, stamped with the time, to stderr.</summary>
    public static void Say(string line) => Console.Error.WriteLine($"[{TimeProvider.System.GetUtcNow():HH:mm:ss}] {line}");
}
