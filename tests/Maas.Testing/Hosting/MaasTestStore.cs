using Microsoft.Extensions.DependencyInjection;

namespace Maas.Testing;

/// <summary>
/// The key store a <see cref="MaasTestHost"/> runs on, so an endpoint's theory runs on each of the
/// three: in memory, a SQLite file of its own, or an empty database of its own on the shared
/// PostgreSQL server. Registered with the storage packages' own <c>Use*Storage()</c> calls.
/// </summary>
public sealed class MaasTestStore
{
    public const string InMemoryName = "in-memory";
    public const string DiskName = "disk";
    public const string PostgreSqlName = "postgresql";

    private readonly Action<MaasBuilder> _use;

    private MaasTestStore(string name, Action<MaasBuilder> use)
    {
        Name = name;
        _use = use;
    }

    /// <summary>The store's name, as a theory's data names it.</summary>
    public string Name { get; }

    /// <summary>Every store's name, for <c>[MemberData]</c>.</summary>
    public static TheoryData<string> All => [InMemoryName, DiskName, PostgreSqlName];

    /// <summary>The in-memory store (<c>UseInMemoryStorage()</c>).</summary>
    public static MaasTestStore InMemory { get; } = new(InMemoryName, maas => maas.UseInMemoryStorage());

    /// <summary>The SQLite store on the file at <paramref name="dataPath"/> (<c>UseSqliteStorage()</c>).</summary>
    public static MaasTestStore Sqlite(string dataPath) =>
        new(DiskName, maas => maas.UseSqliteStorage(o => o.DataPath = dataPath));

    /// <summary>The PostgreSQL store on the database at <paramref name="connectionUrl"/> (<c>UsePostgreSqlStorage()</c>).</summary>
    public static MaasTestStore PostgreSql(string connectionUrl) =>
        new(PostgreSqlName, maas => maas.UsePostgreSqlStorage(o => o.ConnectionUrl = connectionUrl));

    /// <summary>
    /// The store named <paramref name="name"/>: a fresh SQLite file in <paramref name="folder"/>, or a
    /// fresh empty database on <paramref name="postgres"/>.
    /// </summary>
    public static async Task<MaasTestStore> ForAsync(string name, TemporaryDirectory folder, PostgreSqlServer postgres)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(postgres);
        switch (name)
        {
            case InMemoryName:
                return InMemory;
            case DiskName:
                return Sqlite(folder.Combine($"maas-{Guid.NewGuid():N}.db"));
            case PostgreSqlName:
                var database = new Npgsql.NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync()).Database!;
                return PostgreSql(postgres.ConnectionUrl(database));
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "Not a store name.");
        }
    }

    internal void Use(MaasBuilder maas) => _use(maas);

    public override string ToString() => Name;
}
