namespace Maas.ModelSimulator;

/// <summary>
/// Everything decided about one answer before it is written: its id, counts and finish reason, and where
/// its text comes from. The counts follow <see cref="WordTokenizer"/>, so <c>usage</c> matches the text.
/// </summary>
internal sealed class CompletionPlan
{
    /// <summary>The most tokens a random answer has, whatever the request allows: the context of the original's simulated model.</summary>
    public const int MaxRandomTokens = 2048;

    public required string Id { get; init; }

    public required long Created { get; init; }

    public required string Model { get; init; }

    /// <summary>A chat completion (<c>chat.completion</c>) rather than a text completion (<c>text_completion</c>).</summary>
    public required bool IsChat { get; init; }

    public required bool IncludeUsage { get; init; }

    public required int PromptTokens { get; init; }

    public required int CompletionTokens { get; init; }

    /// <summary>The answer was cut at the token limit (finish reason <c>length</c>, else <c>stop</c>).</summary>
    public required bool Truncated { get; init; }

    /// <summary>The text echoed, or <see langword="null"/> for random words.</summary>
    public required string? EchoText { get; init; }

    /// <summary>The largest number of characters the answer's text can have.</summary>
    public int MaxContentLength => EchoText?.Length ?? CompletionTokens * (RandomWords.MaxLength + 1);

    public CompletionPieces GetPieces() => new(EchoText, CompletionTokens);
}
