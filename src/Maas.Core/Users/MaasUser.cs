namespace Maas.Users;

/// <summary>
/// A caller as established by authentication: a name and the groups it belongs to.
/// A user never comes from a request body.
/// </summary>
/// <param name="Name">The user name, for example a Kubernetes user or an OIDC subject.</param>
/// <param name="Groups">The groups the user belongs to, used to resolve the tier.</param>
public sealed record MaasUser(string Name, IReadOnlyList<string> Groups)
{
    /// <summary>
    /// Gets whether the user was established from an API key. A key's <see cref="Groups"/> are the ones
    /// its owner had when it was created, up to a year ago, not the person's current ones; so such a
    /// user manages its own keys but is never an administrator (<see cref="Administration.Administrators.Includes"/>).
    /// Administrator rights come from a live identity (the gateway's headers, a cluster token, the
    /// host's own sign-in) or a Maas token, whose groups are at most its lifetime old.
    /// <see cref="Validation.CredentialValidationService.ValidateAsync"/> sets it for a key, and the hosting package's sign-in
    /// carries it through the principal (<c>maas:credential</c> = <c>api_key</c>).
    /// </summary>
    public bool FromApiKey { get; init; }
}
