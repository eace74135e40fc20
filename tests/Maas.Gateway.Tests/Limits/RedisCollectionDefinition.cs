using Maas.Testing;

namespace Maas.Gateway.Tests.Limits;

/// <summary>The tests that share one throwaway Redis server, started once.</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollectionDefinition : ICollectionFixture<RedisServer>
{
    public const string Name = "Redis server";
}
