using Maas.Testing;
using Maas.Testing.AssemblyFixtures;

[assembly: TestFramework(AssemblyFixtureFramework.TypeName, AssemblyFixtureFramework.AssemblyName)]

// One redis-server for the assembly, shared by classes running in parallel, each test on a key prefix
// of its own; the classes that stop the server or count its commands start one of their own.
[assembly: AssemblyFixture(typeof(RedisServer))]
