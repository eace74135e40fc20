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
            default:
                throw new HostSettingsException($"--storage={settings.StorageMode} is not available in this build yet; use --storage=in-memory or --storage=disk");
        }
    }
}
