using Maas.Api.Tests.SelfService;
using Maas.Testing.AssemblyFixtures;

[assembly: TestFramework(AssemblyFixtureFramework.TypeName, AssemblyFixtureFramework.AssemblyName)]

// One Chromium for every browser test, each test in a browser context of its own.
[assembly: AssemblyFixture(typeof(ChromiumBrowser))]
