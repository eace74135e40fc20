using Maas.Testing;
using Maas.Testing.AssemblyFixtures;

[assembly: TestFramework(AssemblyFixtureFramework.TypeName, AssemblyFixtureFramework.AssemblyName)]

// One PostgreSQL server for every endpoint test that runs on the PostgreSQL store, shared by classes
// running in parallel, each test on a database of its own.
[assembly: AssemblyFixture(typeof(PostgreSqlServer))]
