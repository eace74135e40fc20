using Maas.Testing;

namespace Maas.Hosting.AspNetCore.Tests;

/// <summary>One PostgreSQL server for every endpoint test that runs on the PostgreSQL store, each on a database of its own.</summary>
[CollectionDefinition(Name)]
public sealed class SharedPostgreSqlServer : ICollectionFixture<PostgreSqlServer>
{
    public const string Name = "Maas endpoints on PostgreSQL";
}
