using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Maas.Testing.AssemblyFixtures;

/// <summary>
/// xunit v2's own framework plus the fixtures an assembly names with <see cref="AssemblyFixtureAttribute"/>
/// (xunit v3 has them built in; this is the v2 extensibility sample's way).
/// </summary>
public sealed class AssemblyFixtureFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    /// <summary>The framework's type name, for <see cref="TestFrameworkAttribute"/>.</summary>
    public const string TypeName = "Maas.Testing.AssemblyFixtures.AssemblyFixtureFramework";

    /// <summary>The framework's assembly name, for <see cref="TestFrameworkAttribute"/>.</summary>
    public const string AssemblyName = "Maas.Testing";

    /// <inheritdoc />
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Executor(AssemblyName assemblyName, ISourceInformationProvider sourceInformationProvider, IMessageSink diagnosticMessageSink)
        : XunitTestFrameworkExecutor(assemblyName, sourceInformationProvider, diagnosticMessageSink)
    {
        protected override async void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        {
            using var runner = new AssemblyRunner(TestAssembly, testCases, DiagnosticMessageSink, executionMessageSink, executionOptions);
            await runner.RunAsync();
        }
    }

    private sealed class AssemblyRunner(
        ITestAssembly testAssembly,
        IEnumerable<IXunitTestCase> testCases,
        IMessageSink diagnosticMessageSink,
        IMessageSink executionMessageSink,
        ITestFrameworkExecutionOptions executionOptions)
        : XunitTestAssemblyRunner(testAssembly, testCases, diagnosticMessageSink, executionMessageSink, executionOptions)
    {
        private readonly Dictionary<Type, object> _fixtures = [];
        private readonly Dictionary<Type, Exception> _failures = [];

        protected override async Task AfterTestAssemblyStartingAsync()
        {
            await base.AfterTestAssemblyStartingAsync();

            // Only the fixtures some selected class takes from the assembly: a filtered run starts no server it does not use.
            var wanted = TestCases
                .Select(c => c.TestMethod.TestClass)
                .DistinctBy(c => c.Class.Name)
                .SelectMany(WantedFromAssembly)
                .ToHashSet();
            var declared = ((IReflectionAssemblyInfo)TestAssembly.Assembly).Assembly
                .GetCustomAttributes<AssemblyFixtureAttribute>()
                .Select(a => a.FixtureType)
                .Where(wanted.Contains);
            foreach (var type in declared)
            {
                try
                {
                    var fixture = Activator.CreateInstance(type)!;
                    _fixtures[type] = fixture;
                    if (fixture is IAsyncLifetime lifetime)
                    {
                        await lifetime.InitializeAsync();
                    }
                }
                catch (Exception ex)
                {
                    // Every test of a class that takes this fixture fails with the cause, as with a collection fixture.
                    _failures[type] = ex is TargetInvocationException { InnerException: { } inner } ? inner : ex;
                }
            }
        }

        internal static IEnumerable<Type> WantedFromAssembly(ITestClass testClass)
        {
            if (testClass.Class is not IReflectionTypeInfo { Type: var type })
            {
                return [];
            }

            var ownFixtures = FixtureTypes(type, typeof(IClassFixture<>))
                .Concat(testClass.TestCollection.CollectionDefinition is IReflectionTypeInfo { Type: var definition }
                    ? FixtureTypes(definition, typeof(ICollectionFixture<>))
                    : [])
                .ToHashSet();
            return type.GetConstructors()
                .SelectMany(c => c.GetParameters())
                .Select(p => p.ParameterType)
                .Where(t => !ownFixtures.Contains(t));
        }

        private static IEnumerable<Type> FixtureTypes(Type type, Type fixtureInterface) =>
            type.GetInterfaces()
                .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == fixtureInterface)
                .Select(i => i.GetGenericArguments()[0]);

        protected override async Task BeforeTestAssemblyFinishedAsync()
        {
            foreach (var fixture in _fixtures.Values)
            {
                if (fixture is IAsyncLifetime lifetime)
                {
                    await Aggregator.RunAsync(lifetime.DisposeAsync);
                }

                if (fixture is IDisposable disposable)
                {
                    Aggregator.Run(disposable.Dispose);
                }
            }

            await base.BeforeTestAssemblyFinishedAsync();
        }

        protected override Task<RunSummary> RunTestCollectionAsync(
            IMessageBus messageBus, ITestCollection testCollection, IEnumerable<IXunitTestCase> testCases, CancellationTokenSource cancellationTokenSource) =>
            new CollectionRunner(_fixtures, _failures, testCollection, testCases, DiagnosticMessageSink, messageBus, TestCaseOrderer, new ExceptionAggregator(Aggregator), cancellationTokenSource)
                .RunAsync();
    }

    private sealed class CollectionRunner(
        Dictionary<Type, object> assemblyFixtures,
        Dictionary<Type, Exception> assemblyFixtureFailures,
        ITestCollection testCollection,
        IEnumerable<IXunitTestCase> testCases,
        IMessageSink diagnosticMessageSink,
        IMessageBus messageBus,
        ITestCaseOrderer testCaseOrderer,
        ExceptionAggregator aggregator,
        CancellationTokenSource cancellationTokenSource)
        : XunitTestCollectionRunner(testCollection, testCases, diagnosticMessageSink, messageBus, testCaseOrderer, aggregator, cancellationTokenSource)
    {
        private readonly IMessageSink _diagnosticMessageSink = diagnosticMessageSink;

        protected override Task<RunSummary> RunTestClassAsync(ITestClass testClass, IReflectionTypeInfo @class, IEnumerable<IXunitTestCase> testCases)
        {
            // A collection fixture of the same type wins over the assembly's (and a class fixture over both).
            var fixtures = new Dictionary<Type, object>(assemblyFixtures);
            foreach (var (type, fixture) in CollectionFixtureMappings)
            {
                fixtures[type] = fixture;
            }

            var aggregator = new ExceptionAggregator(Aggregator);
            foreach (var type in AssemblyRunner.WantedFromAssembly(testClass))
            {
                if (assemblyFixtureFailures.TryGetValue(type, out var failure))
                {
                    aggregator.Add(failure);
                }
            }

            return new XunitTestClassRunner(testClass, @class, testCases, _diagnosticMessageSink, MessageBus, TestCaseOrderer, aggregator, CancellationTokenSource, fixtures)
                .RunAsync();
        }
    }
}
