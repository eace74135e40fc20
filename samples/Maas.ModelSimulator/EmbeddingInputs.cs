using System.Text.Json;

namespace Maas.ModelSimulator;

/// <summary>
/// An <c>embeddings</c> request's <c>input</c>, read as OpenAI reads it: a string, an array of strings, an array of
/// token ids, or an array of arrays of token ids; each input non-empty, at most <see cref="MaxInputs"/> of them.
/// Each input becomes a seed (a 64-bit FNV-1a hash of its text or ids) and its token count: the simulator's
/// tokenizer for text, the ids' count for tokens.
/// </summary>
internal static class EmbeddingInputs
{
    /// <summary>The most inputs one request may embed, OpenAI's bound.</summary>
    public const int MaxInputs = 2048;

    private const ulong FnvOffset = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;

    /// <summary>The seeds and token counts of <paramref name="input"/>, or <see langword="null"/> with the reason.</summary>
    public static List<(ulong Seed, int Tokens)>? Read(JsonElement input, out string? error)
    {
        error = null;
        var inputs = new List<(ulong, int)>();
        switch (input.ValueKind)
        {
            case JsonValueKind.String:
                return Text(input, inputs, ref error) ? inputs : null;
            case JsonValueKind.Array:
                var length = input.GetArrayLength();
                if (length == 0)
                {
                    error = "'input' must not be empty.";
                    return null;
                }

                var first = input[0].ValueKind;
                if (first == JsonValueKind.Number)
                {
                    return Tokens(input, inputs, ref error) ? inputs : null;
                }

                if (length > MaxInputs)
                {
                    error = $"'input' has {length} items; at most {MaxInputs} may be embedded at once.";
                    return null;
                }

                foreach (var item in input.EnumerateArray())
                {
                    var ok = item.ValueKind switch
                    {
                        JsonValueKind.String => Text(item, inputs, ref error),
                        JsonValueKind.Array => Tokens(item, inputs, ref error),
                        _ => Invalid(ref error),
                    };
                    if (!ok)
                    {
                        return null;
                    }
                }

                return inputs;
            default:
                Invalid(ref error);
                return null;
        }
    }

    private static bool Text(JsonElement item, List<(ulong, int)> inputs, ref string? error)
    {
        var text = item.GetString()!;
        if (text.Length == 0)
        {
            error = "'input' must not contain an empty string.";
            return false;
        }

        var hash = FnvOffset;
        foreach (var c in text)
        {
            hash = (hash ^ c) * FnvPrime;
        }

        inputs.Add((hash, WordTokenizer.Count(text)));
        return true;
    }

    private static bool Tokens(JsonElement item, List<(ulong, int)> inputs, ref string? error)
    {
        var count = item.GetArrayLength();
        if (count == 0)
        {
            error = "'input' must not contain an empty array of tokens.";
            return false;
        }

        var hash = FnvOffset ^ 0x746F6B656E73; // token ids never seed the same vector as a text
        foreach (var token in item.EnumerateArray())
        {
            if (token.ValueKind != JsonValueKind.Number || !token.TryGetInt32(out var id) || id < 0)
            {
                error = "'input' token ids must be integers from 0 to 2147483647.";
                return false;
            }

            hash = (hash ^ (uint)id) * FnvPrime;
        }

        inputs.Add((hash, count));
        return true;
    }

    private static bool Invalid(ref string? error)
    {
        error = "'input' must be a string, an array of strings, an array of token ids or an array of arrays of token ids.";
        return false;
    }

    /// <summary>
    /// Fills <paramref name="vector"/> with the unit vector of <paramref name="seed"/>: SplitMix64 draws in
    /// [-1, 1), normalized. The same input gives the same vector in every process and on every platform.
    /// </summary>
    public static void Vector(ulong seed, Span<float> vector)
    {
        var state = seed;
        double sum = 0;
        for (var i = 0; i < vector.Length; i++)
        {
            state += 0x9E3779B97F4A7C15;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            z ^= z >> 31;
            var value = (float)(((z >> 11) * (1.0 / (1UL << 53) * 2)) - 1);
            vector[i] = value;
            sum += (double)value * value;
        }

        var norm = (float)Math.Sqrt(sum);
        if (norm > 0)
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] /= norm;
            }
        }
    }
}
