using System.Diagnostics.CodeAnalysis;
using Maas.Tiers;
using Maas.Users;

namespace Maas.Validation;

/// <summary>The answer to "who is this, which tier, still valid?" for a presented credential.</summary>
public sealed class CredentialValidation
{
    /// <summary>Gets whether the credential is valid now.</summary>
    [MemberNotNullWhen(true, nameof(User), nameof(Tier), nameof(Id))]
    public bool IsValid => Failure == ValidationFailure.None;

    /// <summary>Gets why the credential was refused, or <see cref="ValidationFailure.None"/>.</summary>
    public required ValidationFailure Failure { get; init; }

    /// <summary>Gets what kind of credential it was, as far as it could be told.</summary>
    public CredentialKind Kind { get; init; }

    /// <summary>Gets the user the credential authenticates, when valid.</summary>
    public MaasUser? User { get; init; }

    /// <summary>Gets the user's tier, when valid.</summary>
    public Tier? Tier { get; init; }

    /// <summary>Gets the token's <c>jti</c> or the key's id, when valid.</summary>
    public string? Id { get; init; }

    /// <summary>Gets the API key's labels, when valid (none for a token): what usage is grouped by for showback (<c>team=search</c>).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = ApiKeys.ApiKeyLabels.None;

    /// <summary>
    /// Gets the API key's own limits, when valid and it has any (<see langword="null"/> for a token or a
    /// key without): cached with the key, so they reach a gateway as its revocation does.
    /// </summary>
    public ApiKeys.ApiKeyLimits? KeyLimits { get; init; }

    /// <summary>
    /// Gets the API key's subscription (the tier it was bound to at creation), when it has one: set
    /// when valid (then <see cref="Tier"/> is that tier) and with <see cref="ValidationFailure.NotEntitled"/>
    /// (naming what the key is no longer entitled to); <see langword="null"/> otherwise.
    /// </summary>
    public string? Subscription { get; init; }

    /// <summary>Gets when the credential was issued, when valid.</summary>
    public DateTimeOffset IssuedAt { get; init; }

    /// <summary>Gets when the credential expires, when valid.</summary>
    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Creates a refusal.</summary>
    public static CredentialValidation Refused(ValidationFailure failure, CredentialKind kind = CredentialKind.Unknown) =>
        new() { Failure = failure, Kind = kind };
}
