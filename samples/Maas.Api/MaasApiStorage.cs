namespace Maas.Api;

/// <summary>Registers the key store named by <c>--storage</c>.</summary>
internal static class MaasApiStorage
{
    public static void Configure(MaasBuilder maas, HostSettings settings)
    {
        switch (settings.StorageMode)
        {
            case "in-memory":
                maas.UseInMemoryStorage();
                break;
            case "disk":
                maas.UseSqliteStorage(o => o.DataPath = settings.DataPath);
                break;
            case "external":
                maas.UsePostgreSqlStorage(o =>
                {
                    o.ConnectionUrl = settings.DbConnectionUrl!;
                    o.MaxOpenConnections = settings.DbMaxOpenConnections;
                    o.MaxIdleConnections = settings.DbMaxIdleConnections;
                    o.ConnectionMaxLifetime = TimeSpan.FromSeconds(settings.DbConnectionMaxLifetimeSeconds);
                });
                break;
            default:
                throw new HostSettingsException($"--storage={settings.StorageMode} is not a storage mode; use in-memory, disk or external");
        }
    }
}
