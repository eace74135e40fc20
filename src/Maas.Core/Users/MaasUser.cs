namespace Maas.Users;

/// <summary>
/// A caller as established by authentication: a name and the groups it belongs to.
/// A user never comes from a request body.
/// </summary>
/// <param name="Name">The user name, for example a Kubernetes user or an OIDC subject.</param>
/// <param name="Groups">The groups the user belongs to, used to resolve the tier.</param>
public sealed record MaasUser(string Name, IReadOnlyList<string> Groups);
