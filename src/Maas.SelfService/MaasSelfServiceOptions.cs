namespace Maas.SelfService;

/// <summary>How the self-service page signs people in; set with <c>AddMaasSelfService(options => ...)</c>.</summary>
public sealed class MaasSelfServiceOptions
{
    /// <summary>
    /// Gets or sets the authentication scheme whose principal the page's policies judge, or
    /// <see langword="null"/> (the default) for the host's default scheme. <c>maas-api</c> names the
    /// gateway's scheme (<c>MaasGateway</c>); an embedder may name its cookie or OpenID Connect scheme.
    /// </summary>
    public string? AuthenticationScheme { get; set; }

    /// <summary>
    /// Gets or sets whether a caller who is not signed in is challenged by the scheme (a cookie or
    /// OpenID Connect scheme sends the browser to its sign-in; the default), or answered with the
    /// page's own 401 screen saying what is missing: for a sign-in the page cannot start, such as the
    /// identity headers a gateway adds before the request arrives.
    /// </summary>
    public bool ChallengeAnonymousCallers { get; set; } = true;

    /// <summary>
    /// Gets or sets what the 401 screen says when the scheme gives no reason of its own; by default it
    /// names the gateway's identity headers (with the <c>MaasGateway</c> or <c>Maas</c> scheme) or asks to sign in.
    /// </summary>
    public string? NotSignedInMessage { get; set; }

    /// <summary>
    /// Gets or sets whether the page offers a sign-in form for development at <c>/keys/sign-in</c>: a user
    /// name and groups, typed in, become a cookie (protected by ASP.NET Core Data Protection, HttpOnly,
    /// SameSite=Strict) that the page's policies accept beside <see cref="AuthenticationScheme"/>, so a plain
    /// browser can use the page without whatever normally signs people in (for <c>maas-api</c>, a gateway
    /// adding identity headers). Off by default. Only in the Development environment: set anywhere else,
    /// the host refuses to start; and even in Development the form and the cookie answer loopback callers
    /// only (the form is a 404 to anyone else and the cookie signs nobody in).
    /// </summary>
    public bool DevelopmentSignIn { get; set; }
}
