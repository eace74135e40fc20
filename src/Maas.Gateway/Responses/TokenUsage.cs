using System.Text.Json;

namespace Maas.Gateway.Responses;

/// <summary>The <c>usage</c> object of an OpenAI answer or final stream chunk.</summary>
internal readonly record struct TokenUsage(long PromptTokens, long CompletionTokens, long TotalTokens)
{
    /// <summary>
    /// Reads the top-level <c>usage</c> of an answer or chunk. Returns <see langword="false"/> when
    /// there is none (or it is <c>null</c>); <paramref name="choicesEmpty"/> tells whether the chunk
    /// carries no choices, as the usage-only final chunk of a stream does.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> json, out TokenUsage usage, out bool choicesEmpty)
    {
        usage = default;
        choicesEmpty = true;
        var found = false;
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        usage = ReadCounts(ref reader);
                        found = true;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("choices"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        // Peek at the first element on a copy, then skip the whole array.
                        var peek = reader;
                        peek.Read();
                        choicesEmpty = peek.TokenType == JsonTokenType.EndArray;
                    }

                    reader.Skip();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return found;
        }

        return found;
    }

    /// <summary>
    /// Reads a <c>usage</c> object that starts <paramref name="json"/> (what follows it is not read),
    /// so that a stream chunk's usage is read without reading the rest of the chunk. Returns
    /// <see langword="false"/> when <paramref name="json"/> does not start with an object (<c>null</c>).
    /// </summary>
    public static bool TryReadObject(ReadOnlySpan<byte> json, out TokenUsage usage)
    {
        usage = default;
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            usage = ReadCounts(ref reader);
            return reader.TokenType == JsonTokenType.EndObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static TokenUsage ReadCounts(ref Utf8JsonReader reader)
    {
        long prompt = 0, completion = 0, total = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var which = reader.ValueTextEquals("prompt_tokens"u8) ? 1
                : reader.ValueTextEquals("completion_tokens"u8) ? 2
                : reader.ValueTextEquals("total_tokens"u8) ? 3 : 0;
            reader.Read();
            if (which != 0 && reader.TokenType == JsonTokenType.Number && ReadCount(ref reader) is var value && value >= 0)
            {
                switch (which)
                {
                    case 1: prompt = value; break;
                    case 2: completion = value; break;
                    default: total = value; break;
                }
            }
            else
            {
                reader.Skip();
            }
        }

        // An upstream's numbers are not trusted either: the total is never less than its parts, and
        // their sum saturates instead of wrapping (the counters bound it further, at 2^50).
        var parts = prompt > long.MaxValue - completion ? long.MaxValue : prompt + completion;
        return new TokenUsage(prompt, completion, Math.Max(total, parts));
    }

    /// <summary>
    /// A count as a whole number of tokens: a fraction rounds up and a number beyond
    /// <see cref="long.MaxValue"/> (<c>1e30</c>) saturates, so an odd bill is never read as 0;
    /// negative is -1 (ignored).
    /// </summary>
    private static long ReadCount(ref Utf8JsonReader reader)
    {
        if (reader.TryGetInt64(out var whole))
        {
            return whole;
        }

        if (!reader.TryGetDouble(out var number) || double.IsNaN(number) || number < 0)
        {
            return -1;
        }

        return number >= long.MaxValue ? long.MaxValue : (long)Math.Ceiling(number);
    }
}
