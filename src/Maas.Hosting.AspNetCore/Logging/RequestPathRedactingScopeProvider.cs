using System.Collections;
using Maas.Hosting.Telemetry;
using Microsoft.Extensions.Logging;

namespace Maas.Hosting.Logging;

/// <summary>
/// The scopes a logger prints, with ASP.NET Core's request scope (<c>RequestPath</c>, <c>RequestId</c>)
/// carrying the path as <see cref="LoggedRequestPath"/> redacts it: a key pasted into a URL would
/// otherwise be printed with every line logged during that request. Every other scope, the trace
/// and span ids among them, passes through unchanged.
/// </summary>
internal sealed class RequestPathRedactingScopeProvider(IExternalScopeProvider inner) : IExternalScopeProvider
{
    private const string RequestPathKey = "RequestPath";

    public void ForEachScope<TState>(Action<object?, TState> callback, TState state) =>
        inner.ForEachScope(static (scope, s) => s.Callback(Redact(scope), s.State), (Callback: callback, State: state));

    public IDisposable Push(object? state) => inner.Push(state);

    internal static object? Redact(object? scope)
    {
        if (scope is not IReadOnlyList<KeyValuePair<string, object?>> items)
        {
            return scope;
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is { Key: RequestPathKey, Value: string path })
            {
                var logged = LoggedRequestPath.Redact(path);
                return string.Equals(logged, path, StringComparison.Ordinal) ? scope : new RedactedScope(items, i, path, logged);
            }
        }

        return scope;
    }

    /// <summary>The request scope with its path replaced, in its items and in its text (the JSON formatter prints both).</summary>
    private sealed class RedactedScope(IReadOnlyList<KeyValuePair<string, object?>> items, int pathIndex, string path, string logged)
        : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => items.Count;

        public KeyValuePair<string, object?> this[int index] =>
            index == pathIndex ? new KeyValuePair<string, object?>(RequestPathKey, logged) : items[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => (items.ToString() ?? "").Replace(path, logged, StringComparison.Ordinal);
    }
}
