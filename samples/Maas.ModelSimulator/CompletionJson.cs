using System.Text.Json;

namespace Maas.ModelSimulator;

/// <summary>
/// Writes OpenAI's completion answers and stream chunks. Written by hand on <see cref="Utf8JsonWriter"/> rather than
/// serialized from objects: a chunk's text is a slice of the prompt or a shared word, and an object would need a new
/// string for every token, on the path that serves as the zero-latency upstream of the throughput benchmarks.
/// </summary>
internal static class CompletionJson
{
    /// <summary>A whole answer: <c>chat.completion</c> or <c>text_completion</c> with its <c>usage</c>.</summary>
    public static void WriteCompletion(Utf8JsonWriter json, CompletionPlan plan, ReadOnlySpan<char> content)
    {
        WriteHead(json, plan, plan.IsChat ? "chat.completion"u8 : "text_completion"u8);
        json.WriteStartArray("choices"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, 0);
        if (plan.IsChat)
        {
            json.WriteStartObject("message"u8);
            json.WriteString("role"u8, "assistant"u8);
            json.WriteString("content"u8, content);
            json.WriteEndObject();
        }
        else
        {
            json.WriteString("text"u8, content);
        }

        json.WriteNull("logprobs"u8);
        json.WriteString("finish_reason"u8, FinishReason(plan));
        json.WriteEndObject();
        json.WriteEndArray();
        WriteUsage(json, plan);
        json.WriteEndObject();
    }

    /// <summary>A chat stream's first chunk: the assistant's role and no text yet.</summary>
    public static void WriteRoleChunk(Utf8JsonWriter json, CompletionPlan plan) => WriteChunk(json, plan, role: true, content: [], finish: false);

    /// <summary>A chunk carrying one piece of text.</summary>
    public static void WriteContentChunk(Utf8JsonWriter json, CompletionPlan plan, ReadOnlySpan<char> content) =>
        WriteChunk(json, plan, role: false, content, finish: false);

    /// <summary>The chunk carrying the finish reason and no text.</summary>
    public static void WriteFinishChunk(Utf8JsonWriter json, CompletionPlan plan) => WriteChunk(json, plan, role: false, content: [], finish: true);

    /// <summary>The last chunk when the client asked for <c>stream_options.include_usage</c>: empty <c>choices</c> and the <c>usage</c>.</summary>
    public static void WriteUsageChunk(Utf8JsonWriter json, CompletionPlan plan)
    {
        WriteHead(json, plan, ChunkObject(plan));
        json.WriteStartArray("choices"u8);
        json.WriteEndArray();
        WriteUsage(json, plan);
        json.WriteEndObject();
    }

    private static void WriteChunk(Utf8JsonWriter json, CompletionPlan plan, bool role, ReadOnlySpan<char> content, bool finish)
    {
        WriteHead(json, plan, ChunkObject(plan));
        json.WriteStartArray("choices"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, 0);
        if (plan.IsChat)
        {
            json.WriteStartObject("delta"u8);
            if (role)
            {
                json.WriteString("role"u8, "assistant"u8);
            }

            if (!finish)
            {
                json.WriteString("content"u8, content);
            }

            json.WriteEndObject();
        }
        else
        {
            json.WriteString("text"u8, content);
        }

        json.WriteNull("logprobs"u8);
        if (finish)
        {
            json.WriteString("finish_reason"u8, FinishReason(plan));
        }
        else
        {
            json.WriteNull("finish_reason"u8);
        }

        json.WriteEndObject();
        json.WriteEndArray();
        if (plan.IncludeUsage)
        {
            // As OpenAI does: with include_usage every chunk has "usage": null until the last.
            json.WriteNull("usage"u8);
        }

        json.WriteEndObject();
    }

    private static void WriteHead(Utf8JsonWriter json, CompletionPlan plan, ReadOnlySpan<byte> kind)
    {
        json.WriteStartObject();
        json.WriteString("id"u8, plan.Id);
        json.WriteString("object"u8, kind);
        json.WriteNumber("created"u8, plan.Created);
        json.WriteString("model"u8, plan.Model);
    }

    private static void WriteUsage(Utf8JsonWriter json, CompletionPlan plan)
    {
        json.WriteStartObject("usage"u8);
        json.WriteNumber("prompt_tokens"u8, plan.PromptTokens);
        json.WriteNumber("completion_tokens"u8, plan.CompletionTokens);
        json.WriteNumber("total_tokens"u8, plan.PromptTokens + plan.CompletionTokens);
        json.WriteEndObject();
    }

    private static ReadOnlySpan<byte> ChunkObject(CompletionPlan plan) => plan.IsChat ? "chat.completion.chunk"u8 : "text_completion"u8;

    private static ReadOnlySpan<byte> FinishReason(CompletionPlan plan) => plan.Truncated ? "length"u8 : "stop"u8;
}
