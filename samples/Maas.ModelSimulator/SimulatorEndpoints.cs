using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Maas.ModelSimulator;

/// <summary>
/// The request handlers behind <see cref="ModelSimulatorEndpointRouteBuilderExtensions.MapModelSimulator"/>. The body
/// is read as JSON whatever its <c>Content-Type</c> says (curl's <c>-d</c> sends a form type), so the original's
/// walk-through request is answered as written; bad input is a 4xx in OpenAI's error shape, never a 500.
/// </summary>
internal sealed class SimulatorEndpoints
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private readonly FrozenSet<string> _models;
    private readonly ModelList _modelList;
    private readonly SimulatorMode _mode;
    private readonly TimeSpan _timeToFirstToken;
    private readonly TimeSpan _interTokenLatency;
    private readonly int _defaultMaxTokens;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _instance = Guid.NewGuid().ToString("N")[..8];
    private long _sequence;

    // The handlers ServeAsync runs, made once rather than a delegate per request.
    private readonly Func<HttpContext, CancellationToken, Task> _chatCompletion;
    private readonly Func<HttpContext, CancellationToken, Task> _completion;
    private readonly Func<HttpContext, CancellationToken, Task> _embedding;

    public SimulatorEndpoints(IOptions<ModelSimulatorOptions> options, TimeProvider time, ILogger<SimulatorEndpoints> logger)
    {
        var value = options.Value;
        _models = value.Models.ToFrozenSet(StringComparer.Ordinal);
        var created = value.Created ?? time.GetUtcNow().ToUnixTimeSeconds();
        _modelList = new ModelList { Data = [.. value.Models.Select(id => new ModelCard { Id = id, Created = created, OwnedBy = value.OwnedBy })] };
        _mode = value.Mode;
        _timeToFirstToken = value.TimeToFirstToken;
        _interTokenLatency = value.InterTokenLatency;
        _defaultMaxTokens = value.DefaultMaxTokens;
        _time = time;
        _logger = logger;
        _chatCompletion = (context, aborted) => CompleteAsync(context, chat: true, aborted);
        _completion = (context, aborted) => CompleteAsync(context, chat: false, aborted);
        _embedding = EmbedAsync;
    }

    public Task ChatCompletionsAsync(HttpContext context) => ServeAsync(context, _chatCompletion);

    public Task CompletionsAsync(HttpContext context) => ServeAsync(context, _completion);

    public Task ModelsAsync(HttpContext context) =>
        TypedResults.Json(_modelList, SimulatorJsonContext.Default.ModelList).ExecuteAsync(context);

    /// <summary>
    /// <c>GET /v1/models/{id}</c>: one served model, or 404 in OpenAI's shape. The id may contain <c>/</c>, sent as it
    /// is or escaped (<c>facebook%2Fopt-125m</c>, as OpenAI's SDKs send it).
    /// </summary>
    public Task ModelAsync(HttpContext context, string id)
    {
        var unescaped = Uri.UnescapeDataString(id);
        foreach (var card in _modelList.Data)
        {
            if (string.Equals(card.Id, unescaped, StringComparison.Ordinal))
            {
                return TypedResults.Json(card, SimulatorJsonContext.Default.ModelCard).ExecuteAsync(context);
            }
        }

        return WriteErrorAsync(context, StatusCodes.Status404NotFound, OpenAIErrorResponse.InvalidRequest($"The model `{unescaped}` does not exist.", "model", "model_not_found"));
    }

    /// <summary>
    /// <c>POST /v1/embeddings</c>: one deterministic unit vector per input (the same input, the same vector), as
    /// floats or as OpenAI's base64 of little-endian float32s; usage as OpenAI counts it, prompt tokens only.
    /// </summary>
    public Task EmbeddingsAsync(HttpContext context) => ServeAsync(context, _embedding);

    private async Task EmbedAsync(HttpContext context, CancellationToken aborted)
    {
        if (await ReadModelRequestAsync(context, SimulatorJsonContext.Default.EmbeddingRequest, aborted) is not { } request)
        {
            return;
        }

        if (request.Input is not { } input)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, OpenAIErrorResponse.InvalidRequest("You must provide an input parameter.", "input"));
            return;
        }

        if (EmbeddingInputs.Read(input, out var error) is not { } inputs)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, OpenAIErrorResponse.InvalidRequest(error!, "input"));
            return;
        }

        var dimensions = request.Dimensions ?? EmbeddingJson.DefaultDimensions;
        if (dimensions is < 1 or > EmbeddingJson.MaxDimensions)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, OpenAIErrorResponse.InvalidRequest($"'dimensions' must be from 1 to {EmbeddingJson.MaxDimensions}.", "dimensions"));
            return;
        }

        var base64 = string.Equals(request.EncodingFormat, "base64", StringComparison.Ordinal);
        if (!base64 && request.EncodingFormat is not (null or "float"))
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, OpenAIErrorResponse.InvalidRequest("'encoding_format' must be 'float' or 'base64'.", "encoding_format"));
            return;
        }

        var body = new ArrayBufferWriter<byte>(256 + (inputs.Count * dimensions * (base64 ? 6 : 14)));
        using (var json = new Utf8JsonWriter(body, WriterOptions))
        {
            EmbeddingJson.Write(json, request.Model!, inputs, dimensions, base64);
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = body.WrittenMemory.Length;
        await response.Body.WriteAsync(body.WrittenMemory, aborted);
    }

    private static Task WriteErrorAsync(HttpContext context, int status, OpenAIErrorResponse error) =>
        TypedResults.Json(error, SimulatorJsonContext.Default.OpenAIErrorResponse, statusCode: status).ExecuteAsync(context);

    private static string Describe(JsonException exception)
    {
        var message = exception.Message;
        return exception.Path is null || message.Contains("Path:", StringComparison.Ordinal)
            ? "The request body is not valid JSON: " + message
            : $"The request body is not valid JSON: {message} Path: {exception.Path}.";
    }

    private async Task CompleteAsync(HttpContext context, bool chat, CancellationToken aborted)
    {
        if (await ReadModelRequestAsync(context, SimulatorJsonContext.Default.CompletionRequest, aborted) is not { } request)
        {
            return;
        }

        var limitName = request.MaxCompletionTokens is not null ? "max_completion_tokens" : "max_tokens";
        var limit = request.MaxCompletionTokens ?? request.MaxTokens ?? _defaultMaxTokens;
        if (limit < 1)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, OpenAIErrorResponse.InvalidRequest($"{limitName} must be at least 1.", limitName));
            return;
        }

        var plan = Plan(request, chat, limit);
        if (request.Stream == true)
        {
            await StreamAsync(context, plan, aborted);
        }
        else
        {
            await AnswerAsync(context, plan, aborted);
        }
    }

    /// <summary>
    /// Runs one model call's handler: a client that leaves is logged, not an error, and Kestrel's own refusals
    /// while the body is read (too large, cut short, too slow) are answered in OpenAI's shape.
    /// </summary>
    private async Task ServeAsync(HttpContext context, Func<HttpContext, CancellationToken, Task> handler)
    {
        var aborted = context.RequestAborted;
        try
        {
            await handler(context, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            Log.ClientGone(_logger, context.Request.Path);
        }
        catch (IOException) when (aborted.IsCancellationRequested)
        {
            Log.ClientGone(_logger, context.Request.Path);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            await WriteErrorAsync(context, ex.StatusCode, OpenAIErrorResponse.InvalidRequest(ex.Message));
        }
    }

    /// <summary>
    /// Reads a model call's body and checks that it names a served model; <see langword="null"/> once the 400
    /// (not JSON, not an object, no <c>model</c>) or 404 (a model not served here) is written.
    /// </summary>
    private async Task<T?> ReadModelRequestAsync<T>(HttpContext context, JsonTypeInfo<T> type, CancellationToken aborted)
        where T : class, IModelRequest
    {
        T? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.BodyReader, type, aborted);
        }
        catch (JsonException ex)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, OpenAIErrorResponse.InvalidRequest(Describe(ex)));
            return null;
        }

        if (request is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, OpenAIErrorResponse.InvalidRequest("The request body must be a JSON object."));
            return null;
        }

        if (string.IsNullOrEmpty(request.Model))
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, OpenAIErrorResponse.InvalidRequest("You must provide a model parameter.", "model"));
            return null;
        }

        if (!_models.Contains(request.Model))
        {
            await WriteErrorAsync(context, StatusCodes.Status404NotFound, OpenAIErrorResponse.InvalidRequest($"The model `{request.Model}` does not exist.", "model", "model_not_found"));
            return null;
        }

        return request;
    }

    private CompletionPlan Plan(CompletionRequest request, bool chat, int limit)
    {
        string? echo;
        int promptTokens;
        if (chat)
        {
            promptTokens = WordTokenizer.Count(request.Prompt);
            string? lastUser = null;
            foreach (var message in request.Messages ?? [])
            {
                promptTokens += WordTokenizer.Count(message.Content);
                if (string.Equals(message.Role, "user", StringComparison.Ordinal))
                {
                    lastUser = message.Content;
                }
            }

            echo = lastUser ?? request.Prompt;
        }
        else
        {
            promptTokens = WordTokenizer.Count(request.Prompt);
            echo = request.Prompt;
        }

        int completionTokens;
        bool truncated;
        if (_mode == SimulatorMode.Echo)
        {
            echo ??= string.Empty;
            var available = WordTokenizer.Count(echo);
            completionTokens = Math.Min(available, limit);
            truncated = available > limit;
        }
        else
        {
            echo = null;
            completionTokens = Math.Min(limit, CompletionPlan.MaxRandomTokens);
            truncated = true;
        }

        var sequence = Interlocked.Increment(ref _sequence);
        return new CompletionPlan
        {
            Id = string.Create(CultureInfo.InvariantCulture, $"{(chat ? "chatcmpl-" : "cmpl-")}{_instance}{sequence:x12}"),
            Created = _time.GetUtcNow().ToUnixTimeSeconds(),
            Model = request.Model!,
            IsChat = chat,
            IncludeUsage = request.StreamOptions?.IncludeUsage == true,
            PromptTokens = promptTokens,
            CompletionTokens = completionTokens,
            Truncated = truncated,
            EchoText = echo,
        };
    }

    // One JSON answer with Content-Length, after the whole generation time: first token plus the ones after it.
    private async Task AnswerAsync(HttpContext context, CompletionPlan plan, CancellationToken aborted)
    {
        var generation = _timeToFirstToken + (_interTokenLatency * Math.Max(0, plan.CompletionTokens - 1));
        if (generation > TimeSpan.Zero)
        {
            await Task.Delay(generation, _time, aborted);
        }

        // A plain ArrayBufferWriter sized for the whole answer (one allocation, no regrowth): the
        // body is built first so it goes out with a Content-Length, not chunked.
        var body = new ArrayBufferWriter<byte>(512 + (plan.MaxContentLength * 2));
        var content = ArrayPool<char>.Shared.Rent(plan.MaxContentLength);
        try
        {
            var length = 0;
            var pieces = plan.GetPieces();
            while (pieces.MoveNext(out var piece))
            {
                piece.Span.CopyTo(content.AsSpan(length));
                length += piece.Length;
            }

            using var json = new Utf8JsonWriter(body, WriterOptions);
            CompletionJson.WriteCompletion(json, plan, content.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(content);
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = body.WrittenMemory.Length;
        await response.Body.WriteAsync(body.WrittenMemory, aborted);
    }

    // Server-sent events straight onto the response pipe, each token's chunk flushed on its own.
    private async Task StreamAsync(HttpContext context, CompletionPlan plan, CancellationToken aborted)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        var pipe = response.BodyWriter;
        using var json = new Utf8JsonWriter(pipe, WriterOptions);
        if (plan.IsChat)
        {
            WriteEvent(json, pipe, plan, static (json, plan) => CompletionJson.WriteRoleChunk(json, plan));
        }

        if (_timeToFirstToken > TimeSpan.Zero)
        {
            // The client sees the stream open (and the role) while the model "thinks".
            await pipe.FlushAsync(aborted);
            await Task.Delay(_timeToFirstToken, _time, aborted);
        }

        var pieces = plan.GetPieces();
        var first = true;
        while (pieces.MoveNext(out var piece))
        {
            if (!first && _interTokenLatency > TimeSpan.Zero)
            {
                await Task.Delay(_interTokenLatency, _time, aborted);
            }

            first = false;
            pipe.Write("data: "u8);
            json.Reset(pipe);
            CompletionJson.WriteContentChunk(json, plan, piece.Span);
            json.Flush();
            pipe.Write("\n\n"u8);
            await pipe.FlushAsync(aborted);
        }

        WriteEvent(json, pipe, plan, static (json, plan) => CompletionJson.WriteFinishChunk(json, plan));
        if (plan.IncludeUsage)
        {
            WriteEvent(json, pipe, plan, static (json, plan) => CompletionJson.WriteUsageChunk(json, plan));
        }

        pipe.Write("data: [DONE]\n\n"u8);
        await pipe.FlushAsync(aborted);
    }

    private static void WriteEvent(Utf8JsonWriter json, PipeWriter pipe, CompletionPlan plan, Action<Utf8JsonWriter, CompletionPlan> write)
    {
        pipe.Write("data: "u8);
        json.Reset(pipe);
        write(json, plan);
        json.Flush();
        pipe.Write("\n\n"u8);
    }
}
