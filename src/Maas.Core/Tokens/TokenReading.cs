using System.Diagnostics.CodeAnalysis;
using Maas.Validation;

namespace Maas.Tokens;

/// <summary>What <see cref="JwtTokenReader"/> made of a token: its claims, or why it was refused.</summary>
/// <param name="Claims">The verified claims; <see langword="null"/> when refused.</param>
/// <param name="Failure">Why the token was refused, or <see cref="ValidationFailure.None"/>.</param>
internal readonly record struct TokenReading(JwtTokenClaims? Claims, ValidationFailure Failure)
{
    /// <summary>Gets whether the token verified.</summary>
    [MemberNotNullWhen(true, nameof(Claims))]
    public bool IsValid => Claims is not null;

    /// <summary>A refusal for <paramref name="failure"/>.</summary>
    public static TokenReading Refused(ValidationFailure failure) => new(null, failure);
}
