using Maas.Testing;

namespace Maas.Api.Tests;

/// <summary>
/// The host arguments that put maas-api on one of its three stores, so an endpoint's theory runs
/// on each: in memory, a SQLite file of its own, or an empty database of its own on the shared
/// PostgreSQL server (<c>--storage=external</c>).
/// </summary>
internal static class StoreArguments
{
    public const string InMemory = "in-memory";
    public const string Disk = "disk";
    public const string PostgreSql = "postgresql";

    public static TheoryData<string> All => [InMemory, Disk, PostgreSql];

    public static async Task<string[]?> ForAsync(string store, TemporaryDirectory folder, PostgreSqlServer postgres)
    {
        switch (store)
        {
            case InMemory:
                return null;
            case Disk:
                return ["--storage=disk", "--data-path", folder.Combine($"maas-{Guid.NewGuid():N}.db")];
            case PostgreSql:
                var database = new Npgsql.NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync()).Database!;
                return ["--storage=external", "--db-connection-url", postgres.ConnectionUrl(database)];
            default:
                throw new ArgumentOutOfRangeException(nameof(store), store, "Not a store name.");
        }
    }
}
