namespace Maas.Hosting.Authentication;

/// <summary>Marks the endpoints that create or revoke credentials, where a Maas credential is refused.</summary>
internal sealed class MintingEndpointMetadata
{
    public static readonly MintingEndpointMetadata Instance = new();
}
