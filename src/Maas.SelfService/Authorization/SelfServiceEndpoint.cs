namespace Maas.SelfService.Authorization;

/// <summary>Marks the page's endpoints: their authorization failures are answered by the page's own screens.</summary>
internal sealed class SelfServiceEndpoint
{
    public static readonly SelfServiceEndpoint Instance = new();
}
