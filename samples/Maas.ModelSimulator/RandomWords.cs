using System.Diagnostics.CodeAnalysis;

namespace Maas.ModelSimulator;

/// <summary>The vocabulary of <see cref="SimulatorMode.Random"/> answers: plain words, one token each.</summary>
internal static class RandomWords
{
    private static readonly string[] Words =
    [
        "the", "model", "answers", "with", "simulated", "tokens", "for", "testing", "a", "gateway", "that",
        "counts", "every", "request", "and", "limits", "each", "tier", "by", "minute", "quick", "brown", "fox",
        "jumps", "over", "lazy", "dog", "while", "latency", "stays", "low", "under", "load", "of", "many",
        "parallel", "calls", "to", "one", "upstream", "server", "streaming", "chunks", "arrive", "in", "order",
    ];

    // The same words after a space: every word but an answer's first.
    private static readonly string[] SpacedWords = [.. Words.Select(word => " " + word)];

    /// <summary>The length of the longest word.</summary>
    public static readonly int MaxLength = Words.Max(word => word.Length);

    [SuppressMessage("Security", "CA5394:Do not use insecure randomness", Justification = "Filler text, not a secret.")]
    public static string Next(bool first)
    {
        var words = first ? Words : SpacedWords;
        return words[Random.Shared.Next(words.Length)];
    }
}
