namespace Maas.Testing;

/// <summary>
/// A <see cref="SharedMaasTestHost"/> whose administrators are <see cref="AuditRequests.AdminGroup"/>
/// (<see cref="AuditRequests.Administrators"/>), in memory, otherwise default options.
/// </summary>
public sealed class AdministeredMaasTestHost : SharedMaasTestHost
{
    /// <inheritdoc />
    protected override Task<MaasTestHost> StartAsync() => MaasTestHost.StartAsync(configure: AuditRequests.Administrators);
}
