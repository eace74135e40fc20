using System.Text.Json;
using System.Text.Unicode;

namespace Maas.Gateway.Requests;

/// <summary>
/// What the gateway needs from an OpenAI request body, read in one pass without building a
/// document: the model, whether it streams and asked for usage, and its token budget.
/// </summary>
/// <remarks>
/// Every member the gateway reads is read strictly, as OpenAI reads it: of the wrong type, or sent
/// twice, it is a 400 naming the member. A lax upstream would otherwise act on a value the gateway
/// did not see (the last of two <c>max_tokens</c>, <c>"stream": "true"</c> streamed anyway), and
/// the call would be counted for less than it used. Member names are compared unescaped
/// (<c>"max\u005ftokens"</c> is <c>max_tokens</c>), as the upstream's parser decodes them.
/// </remarks>
/// <param name="Model">The body's <c>model</c>, if any.</param>
/// <param name="Stream">Whether <c>stream</c> is <see langword="true"/>.</param>
/// <param name="HasStreamOptions">Whether <c>stream_options</c> is present (an object or <c>null</c>).</param>
/// <param name="IncludeUsage">Whether <c>stream_options.include_usage</c> is <see langword="true"/>.</param>
/// <param name="MaxTokens">The larger of <c>max_tokens</c> and <c>max_completion_tokens</c>, if either is set.</param>
/// <param name="MaxTokensParam">The member <see cref="MaxTokens"/> came from, for an error that names it.</param>
internal readonly record struct ModelRequest(string? Model, bool Stream, bool HasStreamOptions, bool IncludeUsage, long? MaxTokens, string? MaxTokensParam)
{
    private const string MaxTokensName = "max_tokens";
    private const string MaxCompletionTokensName = "max_completion_tokens";

    /// <summary>
    /// Reads the body; <see langword="null"/> with <paramref name="error"/> saying what is wrong (and
    /// <paramref name="param"/> naming the member, when one is at fault) when it is not a JSON object
    /// the gateway can account for. Never throws.
    /// </summary>
    public static ModelRequest? Read(ReadOnlySpan<byte> json, out string? error, out string? param)
    {
        error = null;
        param = null;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
        string? model = null;
        bool stream = false, includeUsage = false;
        long? maxTokens = null;
        string? maxTokensParam = null;
        var seen = Members.None;

        // Utf8JsonReader checks a string's UTF-8 only when it is decoded; an upstream may decode a
        // broken member name leniently into one the gateway skipped. Checked whole, vectorized.
        if (!Utf8.IsValid(json))
        {
            error = "The request body is not valid UTF-8 JSON.";
            return null;
        }

        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "The request body must be a JSON object.";
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var member = Member(ref reader);
                reader.Read();
                if (member == Members.None)
                {
                    reader.Skip();
                    continue;
                }

                if ((seen & member) != 0)
                {
                    param = Name(member);
                    error = $"'{param}' appears more than once in the request body.";
                    return null;
                }

                seen |= member;
                switch (member)
                {
                    case Members.Model:
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            param = "model";
                            error = "'model' must be a string.";
                            return null;
                        }

                        model = reader.GetString();
                        break;

                    case Members.Stream:
                        if (!TryReadBoolean(ref reader, out stream))
                        {
                            param = "stream";
                            error = "'stream' must be a boolean.";
                            return null;
                        }

                        break;

                    case Members.StreamOptions:
                        if (!TryReadStreamOptions(ref reader, out includeUsage, out error, out param))
                        {
                            return null;
                        }

                        break;

                    default:
                        var name = Name(member);
                        if (reader.TokenType == JsonTokenType.Null)
                        {
                            break;
                        }

                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value) || value < 0)
                        {
                            param = name;
                            error = $"'{name}' must be a non-negative whole number.";
                            return null;
                        }

                        if (maxTokens is not { } other || value > other)
                        {
                            maxTokens = value;
                            maxTokensParam = name;
                        }

                        break;
                }
            }

            // Read to the end: trailing garbage is as invalid as a broken object.
            while (reader.Read())
            {
            }
        }
        catch (JsonException)
        {
            error = "The request body is not valid JSON.";
            param = null;
            return null;
        }
        catch (InvalidOperationException)
        {
            // A model whose escapes decode to no text (a lone surrogate).
            error = "The request body is not valid UTF-8 JSON.";
            param = null;
            return null;
        }

        return new ModelRequest(model, stream, (seen & Members.StreamOptions) != 0, includeUsage, maxTokens, maxTokensParam);
    }

    // true, false and null (the default, false) are booleans; "true", 1 and the rest are not.
    private static bool TryReadBoolean(ref Utf8JsonReader reader, out bool value)
    {
        value = reader.TokenType == JsonTokenType.True;
        return reader.TokenType is JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null;
    }

    private static bool TryReadStreamOptions(ref Utf8JsonReader reader, out bool includeUsage, out string? error, out string? param)
    {
        includeUsage = false;
        error = null;
        param = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            param = "stream_options";
            error = "'stream_options' must be an object.";
            return false;
        }

        var seen = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            if (!isIncludeUsage)
            {
                reader.Skip();
                continue;
            }

            if (seen)
            {
                param = "stream_options.include_usage";
                error = "'stream_options.include_usage' appears more than once in the request body.";
                return false;
            }

            seen = true;
            if (!TryReadBoolean(ref reader, out includeUsage))
            {
                param = "stream_options.include_usage";
                error = "'stream_options.include_usage' must be a boolean.";
                return false;
            }
        }

        return true;
    }

    private static Members Member(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("model"u8) ? Members.Model
        : reader.ValueTextEquals("stream"u8) ? Members.Stream
        : reader.ValueTextEquals("stream_options"u8) ? Members.StreamOptions
        : reader.ValueTextEquals("max_tokens"u8) ? Members.MaxTokens
        : reader.ValueTextEquals("max_completion_tokens"u8) ? Members.MaxCompletionTokens
        : Members.None;

    private static string Name(Members member) => member switch
    {
        Members.Model => "model",
        Members.Stream => "stream",
        Members.StreamOptions => "stream_options",
        Members.MaxTokens => MaxTokensName,
        _ => MaxCompletionTokensName,
    };

    /// <summary>The top-level members the gateway reads, as flags of those seen so far.</summary>
    [Flags]
    private enum Members
    {
        None = 0,
        Model = 1,
        Stream = 2,
        StreamOptions = 4,
        MaxTokens = 8,
        MaxCompletionTokens = 16,
    }
}
