namespace Maas.Testing;

/// <summary>The checkout the tests run from: its root (the folder holding <c>Maas.sln</c>) and the configuration they were built in.</summary>
public static class RepositoryCheckout
{
    /// <summary>The repository root above the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration of the running test assembly (<c>bin/&lt;Configuration&gt;/net10.0</c>).</summary>
    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Maas.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Maas.sln not found above " + AppContext.BaseDirectory);
    }
}
