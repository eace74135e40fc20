namespace Maas.Usage;

/// <summary>
/// What one replica counted for one row of the ledger in one hour: the row is identified by
/// <see cref="Hour"/>, <see cref="User"/>, <see cref="Credential"/>, <see cref="Tier"/>,
/// <see cref="Model"/> and <see cref="Outcome"/>; the counts are added to it.
/// </summary>
public sealed record UsageIncrement
{
    /// <summary>The credential of every call made with a token (tokens are not stored, so they are counted together).</summary>
    public const string TokenCredential = "token";

    /// <summary>Gets the start of the hour (whole hour, UTC).</summary>
    public required DateTimeOffset Hour { get; init; }

    /// <summary>Gets the user who called.</summary>
    public required string User { get; init; }

    /// <summary>Gets the API key's id, or <see cref="TokenCredential"/>.</summary>
    public required string Credential { get; init; }

    /// <summary>Gets the caller's tier at the time of the calls.</summary>
    public required string Tier { get; init; }

    /// <summary>Gets the model called.</summary>
    public required string Model { get; init; }

    /// <summary>Gets how the calls ended.</summary>
    public required UsageOutcome Outcome { get; init; }

    /// <summary>Gets the key's labels (none for a token); a key's labels do not change, so they are the row's.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = EmptyLabels;

    /// <summary>Gets the number of calls, at least 0.</summary>
    public long Requests { get; init; }

    /// <summary>Gets the prompt tokens the model reported, at least 0.</summary>
    public long PromptTokens { get; init; }

    /// <summary>Gets the completion tokens the model reported (or the gateway charged), at least 0.</summary>
    public long CompletionTokens { get; init; }

    private static IReadOnlyDictionary<string, string> EmptyLabels { get; } = new Dictionary<string, string>();

    /// <summary>Gets the start of the hour that holds <paramref name="instant"/>, in UTC.</summary>
    public static DateTimeOffset HourOf(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % TimeSpan.TicksPerHour), TimeSpan.Zero);
    }

    /// <summary>Checks what a store relies on: a whole hour, non-empty names, counts of at least 0.</summary>
    /// <exception cref="ArgumentException">A field is out of range.</exception>
    public void Validate()
    {
        if (Hour.UtcTicks % TimeSpan.TicksPerHour != 0)
        {
            throw new ArgumentException("An increment's hour must be a whole hour.", nameof(Hour));
        }

        ArgumentException.ThrowIfNullOrEmpty(User);
        ArgumentException.ThrowIfNullOrEmpty(Credential);
        ArgumentException.ThrowIfNullOrEmpty(Tier);
        ArgumentException.ThrowIfNullOrEmpty(Model);
        ArgumentNullException.ThrowIfNull(Labels);
        ArgumentOutOfRangeException.ThrowIfNegative(Requests);
        ArgumentOutOfRangeException.ThrowIfNegative(PromptTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(CompletionTokens);
        if (!Enum.IsDefined(Outcome))
        {
            throw new ArgumentOutOfRangeException(nameof(Outcome));
        }
    }
}
