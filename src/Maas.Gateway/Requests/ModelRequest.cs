using System.Text.Json;

namespace Maas.Gateway.Requests;

/// <summary>
/// What the gateway needs from an OpenAI request body, read in one pass without building a
/// document: the model, whether it streams and asked for usage, and its token budget.
/// </summary>
internal readonly record struct ModelRequest(string? Model, bool Stream, bool HasStreamOptions, bool IncludeUsage, long? MaxTokens)
{
    /// <summary>Reads the body; <see langword="null"/> with <paramref name="error"/> naming what is wrong when it is not a JSON object.</summary>
    public static ModelRequest? Read(ReadOnlySpan<byte> json, out string? error)
    {
        error = null;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
        string? model = null;
        bool stream = false, hasStreamOptions = false, includeUsage = false;
        long? maxTokens = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "The request body must be a JSON object.";
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        error = "'model' must be a string.";
                        return null;
                    }

                    model = reader.GetString();
                }
                else if (reader.ValueTextEquals("stream"u8))
                {
                    reader.Read();
                    stream = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("stream_options"u8))
                {
                    reader.Read();
                    hasStreamOptions = true;
                    includeUsage = ReadIncludeUsage(ref reader);
                }
                else if (reader.ValueTextEquals("max_tokens"u8) || reader.ValueTextEquals("max_completion_tokens"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) && value >= 0)
                    {
                        maxTokens = Math.Max(maxTokens ?? 0, value);
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        error = "'max_tokens' and 'max_completion_tokens' must be non-negative whole numbers.";
                        return null;
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
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
            return null;
        }
        catch (InvalidOperationException)
        {
            // Utf8JsonReader checks a string's UTF-8 only when it is read (GetString).
            error = "The request body is not valid UTF-8 JSON.";
            return null;
        }

        return new ModelRequest(model, stream, hasStreamOptions, includeUsage, maxTokens);
    }

    private static bool ReadIncludeUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        var include = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            if (isIncludeUsage)
            {
                include = reader.TokenType == JsonTokenType.True;
            }
            else
            {
                reader.Skip();
            }
        }

        return include;
    }
}
