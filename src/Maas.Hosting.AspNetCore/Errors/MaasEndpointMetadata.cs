namespace Maas.Hosting.Errors;

/// <summary>Marks the endpoints <c>MapMaasApi()</c> maps, whose problems carry <c>error</c>.</summary>
internal sealed class MaasEndpointMetadata
{
    public static readonly MaasEndpointMetadata Instance = new();
}
