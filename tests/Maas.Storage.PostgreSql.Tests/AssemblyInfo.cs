using Maas.Testing;
using Maas.Testing.AssemblyFixtures;

[assembly: TestFramework(AssemblyFixtureFramework.TypeName, AssemblyFixtureFramework.AssemblyName)]

// One PostgreSQL server for the assembly, shared by classes running in parallel, each on databases of its own
// (TestDatabase); the classes that restart a server have one of their own (RestartedServerCollectionDefinition).
[assembly: AssemblyFixture(typeof(PostgreSqlServer))]

