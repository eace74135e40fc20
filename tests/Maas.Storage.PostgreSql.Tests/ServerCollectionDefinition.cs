using Maas.Testing;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>Every test class of this assembly shares one throwaway PostgreSQL server.</summary>
[CollectionDefinition(Name)]
public sealed class ServerCollectionDefinition : ICollectionFixture<PostgreSqlServer>
{
    public const string Name = "PostgreSQL server";
}
