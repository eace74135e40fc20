namespace Maas.SelfService.Authorization;

/// <summary>
/// Why the authorization middleware refused a request to the page and let it through to the page's
/// own screen instead (a request feature): the page then answers that screen and runs no handler.
/// </summary>
internal sealed class SelfServiceAccess(SelfServiceRefusal refusal)
{
    public SelfServiceRefusal Refusal { get; } = refusal;
}

/// <summary>Which refusal screen answers.</summary>
internal enum SelfServiceRefusal
{
    /// <summary>No signed-in Maas user (401).</summary>
    NotSignedIn,

    /// <summary>A Maas user who does not administer keys, on an administrators' screen (403).</summary>
    Forbidden,
}
