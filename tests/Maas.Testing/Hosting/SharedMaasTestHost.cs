namespace Maas.Testing;

/// <summary>
/// One <see cref="MaasTestHost"/> for every test of a class, as its class fixture
/// (<c>IClassFixture&lt;SharedMaasTestHost&gt;</c>): started before the class's first test, disposed
/// after its last. The tests of a class run one after another but share the host's store and clock,
/// so each signs in as users of its own and does not advance the clock; a test that needs a fresh
/// store, other options or a clock of its own starts its own host. By default the host runs on the
/// in-memory store with default options; a derived fixture overrides <see cref="StartAsync"/>.
/// </summary>
public class SharedMaasTestHost : IAsyncLifetime
{
    private MaasTestHost? _host;

    /// <summary>The shared host, started by <see cref="InitializeAsync"/>.</summary>
    public MaasTestHost Host => _host ?? throw new InvalidOperationException("The shared host has not started.");

    /// <summary>Starts the shared host.</summary>
    public async Task InitializeAsync() => _host = await StartAsync();

    /// <summary>Stops and disposes the shared host.</summary>
    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>A user name no other test uses: <paramref name="name"/> and a fresh suffix.</summary>
    public static string UniqueUser(string name) => $"{name}-{Guid.NewGuid():N}";

    /// <summary>Builds and starts the host the class shares: <see cref="MaasTestHost.StartAsync"/> with its defaults.</summary>
    protected virtual Task<MaasTestHost> StartAsync() => MaasTestHost.StartAsync();
}
