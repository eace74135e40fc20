namespace Maas.ModelSimulator;

/// <summary>
/// The simulator's tokenizer: a token is a run of letters and digits, or any other single character
/// (a surrogate pair counts as one); whitespace separates tokens and is not one. "Hello, world!" is
/// four tokens. Every <c>usage</c> count the simulator reports is this tokenizer applied to the text.
/// </summary>
internal static class WordTokenizer
{
    /// <summary>The number of tokens in <paramref name="text"/>.</summary>
    public static int Count(ReadOnlySpan<char> text)
    {
        var count = 0;
        var position = 0;
        while (TryNext(text, ref position, out _, out _))
        {
            count++;
        }

        return count;
    }

    /// <summary>Finds the first token at or after <paramref name="position"/> and moves the position past it.</summary>
    public static bool TryNext(ReadOnlySpan<char> text, ref int position, out int start, out int end)
    {
        var i = position;
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        start = i;
        if (i == text.Length)
        {
            position = end = i;
            return false;
        }

        if (char.IsLetterOrDigit(text[i]))
        {
            while (i < text.Length && char.IsLetterOrDigit(text[i]))
            {
                i++;
            }
        }
        else if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            i += 2;
        }
        else
        {
            i++;
        }

        position = end = i;
        return true;
    }
}
