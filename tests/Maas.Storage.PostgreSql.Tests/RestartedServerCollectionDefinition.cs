using Maas.Testing;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>
/// The test classes that stop and start their PostgreSQL server, or need it to themselves (a VACUUM that
/// must see no other snapshot), share one of their own, one class at a time; every other class shares the
/// assembly's server (AssemblyInfo.cs) and runs in parallel.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RestartedServerCollectionDefinition : ICollectionFixture<PostgreSqlServer>
{
    public const string Name = "PostgreSQL server that restarts";
}
