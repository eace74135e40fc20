using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;

namespace Maas.ModelSimulator;

/// <summary>Writes OpenAI's embeddings answer: <c>{"object":"list","data":[{"object":"embedding","index","embedding"}],"model","usage"}</c>.</summary>
internal static class EmbeddingJson
{
    /// <summary>The vector length of a request that does not set <c>dimensions</c>.</summary>
    public const int DefaultDimensions = 32;

    /// <summary>The largest <c>dimensions</c> a request may ask for: with <see cref="EmbeddingInputs.MaxInputs"/> inputs, about 11 MB of base64.</summary>
    public const int MaxDimensions = 1024;

    public static void Write(Utf8JsonWriter json, string model, List<(ulong Seed, int Tokens)> inputs, int dimensions, bool base64)
    {
        var vector = new float[dimensions];
        var bytes = base64 ? ArrayPool<byte>.Shared.Rent(dimensions * sizeof(float)) : null;
        try
        {
            long tokens = 0;
            json.WriteStartObject();
            json.WriteString("object"u8, "list"u8);
            json.WriteStartArray("data"u8);
            for (var i = 0; i < inputs.Count; i++)
            {
                var (seed, count) = inputs[i];
                tokens += count;
                EmbeddingInputs.Vector(seed, vector);
                json.WriteStartObject();
                json.WriteString("object"u8, "embedding"u8);
                json.WriteNumber("index"u8, i);
                if (bytes is not null)
                {
                    for (var d = 0; d < dimensions; d++)
                    {
                        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(d * sizeof(float)), vector[d]);
                    }

                    json.WriteBase64String("embedding"u8, bytes.AsSpan(0, dimensions * sizeof(float)));
                }
                else
                {
                    json.WriteStartArray("embedding"u8);
                    foreach (var value in vector)
                    {
                        json.WriteNumberValue(value);
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("model"u8, model);
            json.WriteStartObject("usage"u8);
            json.WriteNumber("prompt_tokens"u8, tokens);
            json.WriteNumber("total_tokens"u8, tokens);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        finally
        {
            if (bytes is not null)
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }
    }
}
