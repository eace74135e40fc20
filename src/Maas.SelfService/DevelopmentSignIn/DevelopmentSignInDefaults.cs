namespace Maas.SelfService.DevelopmentSignIn;

/// <summary>The names and bounds of the development sign-in (<see cref="MaasSelfServiceOptions.DevelopmentSignIn"/>).</summary>
internal static class DevelopmentSignInDefaults
{
    /// <summary>The cookie scheme the page's policies accept beside the host's, registered only when the sign-in is on.</summary>
    public const string Scheme = "MaasSelfService.DevelopmentSignIn";

    /// <summary>The cookie's name: it says what it is to whoever reads the browser's cookies.</summary>
    public const string CookieName = ".Maas.SelfService.DevelopmentSignIn";

    /// <summary>Where the form answers.</summary>
    public const string Path = MaasSelfServiceDefaults.Path + "/sign-in";

    /// <summary>How long a sign-in lasts: a working day, not sliding.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);
}
