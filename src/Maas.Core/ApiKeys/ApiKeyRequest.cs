using Maas.Durations;

namespace Maas.ApiKeys;

/// <summary>What a user asks for when creating an API key.</summary>
public sealed class ApiKeyRequest
{
    /// <summary>Gets the key's name: 1 to 128 characters after trimming, no control characters.</summary>
    public required string Name { get; init; }

    /// <summary>Gets an optional description of at most 1,000 characters.</summary>
    public string? Description { get; init; }

    /// <summary>Gets the requested lifetime, or <see langword="null"/> for the configured default.</summary>
    public GoDuration? Expiration { get; init; }

    /// <summary>Gets optional labels: at most 50, keys of at most 128 characters, values of at most 1,024.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>
    /// Gets whether to create an ephemeral key (<see cref="ApiKeyRecord.Ephemeral"/>): the name may
    /// then be empty (one is made up), the lifetime defaults to 1 hour and may not exceed
    /// <c>Maas:Tokens:Maximum</c>.
    /// </summary>
    public bool Ephemeral { get; init; }

    /// <summary>Gets the key's own limits and budgets, never above its owner's tier's; <see langword="null"/> for none.</summary>
    public ApiKeyLimits? Limits { get; init; }

    /// <summary>
    /// Gets the subscription to bind the key to: the name of a tier the user's groups entitle them to
    /// (the user is in one of its groups), whose limits the key then draws on; <see langword="null"/>
    /// (or blank) for the user's highest tier. Anything else is <see cref="Errors.InvalidRequestException"/>
    /// with the code <c>invalid_subscription</c>.
    /// </summary>
    public string? Subscription { get; init; }
}
