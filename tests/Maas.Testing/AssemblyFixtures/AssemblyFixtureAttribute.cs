namespace Maas.Testing.AssemblyFixtures;

/// <summary>
/// Names a fixture that one test assembly shares: made once (with <see cref="IAsyncLifetime"/>
/// honoured) before the first test class that takes it in its constructor, disposed after the last
/// test, and given to every class that asks for it, as xunit v3's <c>[assembly: AssemblyFixture]</c>
/// does. Unlike a collection fixture it does not serialize the classes that share it: they run in
/// parallel, so each must isolate its own data (a database, a key prefix of its own).
/// </summary>
/// <remarks>
/// Needs <c>[assembly: TestFramework(AssemblyFixtureFramework.TypeName, AssemblyFixtureFramework.AssemblyName)]</c>
/// in the same assembly. A collection or class fixture of the same type takes precedence, so a class
/// that stops or restarts its server takes one of its own that way.
/// </remarks>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class AssemblyFixtureAttribute(Type fixtureType) : Attribute
{
    /// <summary>Gets the type of the fixture; it needs a public parameterless constructor.</summary>
    public Type FixtureType { get; } = fixtureType;
}
