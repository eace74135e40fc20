using System.Net;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Maas.Kubernetes.Watching;

/// <summary>
/// Keeps a local view of Kubernetes objects current, as client-go's reflector does: list, then watch
/// from the list's resource version; a watch that ends is resumed from the last version seen, and a
/// version the server has forgotten (410 Gone) is answered with a fresh list. Outages are retried
/// with a growing pause (1 s doubling to 30 s, on <see cref="TimeProvider"/>), keeping the last view.
/// </summary>
/// <typeparam name="T">The watched object type.</typeparam>
internal abstract partial class ResourceWatch<T> : IHostedService, IDisposable
    where T : class, IKubernetesObject<k8s.Models.V1ObjectMeta>
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(30);

    protected ResourceWatch(TimeProvider time, ILogger logger, string what)
    {
        Time = time;
        Logger = logger;
        What = what;
    }

    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    protected TimeProvider Time { get; }

    protected ILogger Logger { get; }

    protected string What { get; }

    /// <summary>Gets how many lists and watch events have been handled; tests wait on <see cref="Handled"/>.</summary>
    internal event Action? Handled;

    /// <summary>Lists the objects (the first call, and after a 410).</summary>
    protected abstract Task<(IList<T> Items, string? ResourceVersion)> ListAsync(CancellationToken cancellationToken);

    /// <summary>Watches from <paramref name="resourceVersion"/>; <paramref name="onError"/> hears the server's ERROR events (410 among them).</summary>
    protected abstract IAsyncEnumerable<(WatchEventType Type, T Item)> WatchAsync(string resourceVersion, Action<Exception> onError, CancellationToken cancellationToken);

    /// <summary>Replaces the view with a full list.</summary>
    protected abstract void Replace(IList<T> items);

    /// <summary>Applies one change.</summary>
    protected abstract void Apply(WatchEventType type, T item);

    /// <summary>Lists once (an API server that is wrong, unreachable or refuses stops start-up), then watches in the background.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        string version;
        try
        {
            version = await ListOnceAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (KubernetesFailures.IsUnavailable(ex, cancellationToken) || ex is HttpOperationException)
        {
            throw new InvalidOperationException($"Could not list {What} on the Kubernetes API server ({KubernetesFailures.Describe(ex)}).", ex);
        }

        _loop = Task.Run(() => RunAsync(version, _stopping.Token), CancellationToken.None);
    }

    /// <summary>Stops watching.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>Lists once, so start-up fails when the API server is wrong or unreachable; returns the list's version.</summary>
    public async Task<string> ListOnceAsync(CancellationToken cancellationToken)
    {
        var (items, version) = await ListAsync(cancellationToken).ConfigureAwait(false);
        Replace(items);
        Handled?.Invoke();
        return version ?? "";
    }

    /// <summary>Watches until <paramref name="cancellationToken"/> is cancelled, starting from <paramref name="resourceVersion"/> (or a list).</summary>
    public async Task RunAsync(string? resourceVersion, CancellationToken cancellationToken)
    {
        var pause = FirstPause;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (string.IsNullOrEmpty(resourceVersion))
                {
                    resourceVersion = await ListOnceAsync(cancellationToken).ConfigureAwait(false);
                    LogListed(Logger, What, resourceVersion);
                }

                var expired = false;
                await foreach (var (type, item) in WatchAsync(resourceVersion, ex => expired |= IsGone(ex), cancellationToken).ConfigureAwait(false))
                {
                    if (item?.Metadata?.ResourceVersion is { Length: > 0 } version)
                    {
                        resourceVersion = version;
                    }

                    if (type != WatchEventType.Error && type != WatchEventType.Bookmark && item is not null)
                    {
                        Apply(type, item);
                    }

                    Handled?.Invoke();
                    pause = FirstPause;
                }

                if (expired)
                {
                    LogExpired(Logger, What, resourceVersion);
                    resourceVersion = null;
                }
                else
                {
                    LogResuming(Logger, What, resourceVersion);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (IsGone(ex))
            {
                LogExpired(Logger, What, resourceVersion);
                resourceVersion = null;
            }
            catch (Exception ex) when (ex is HttpRequestException or HttpOperationException or IOException or KubernetesException or TaskCanceledException or System.Text.Json.JsonException)
            {
                LogWatchFailed(Logger, What, KubernetesFailures.Describe(ex), pause);
                try
                {
                    await Task.Delay(pause, Time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                pause = pause * 2 > LongestPause ? LongestPause : pause * 2;
            }
        }
    }

    private static bool IsGone(Exception exception) => exception switch
    {
        KubernetesException { Status.Code: (int)HttpStatusCode.Gone } => true,
        HttpOperationException { Response.StatusCode: HttpStatusCode.Gone } => true,
        _ => false,
    };

    [LoggerMessage(EventId = 3201, Level = LogLevel.Debug, Message = "Listed {What} at resource version {ResourceVersion}")]
    private static partial void LogListed(ILogger logger, string what, string? resourceVersion);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Information, Message = "The watch of {What} ended; resuming from resource version {ResourceVersion}")]
    private static partial void LogResuming(ILogger logger, string what, string? resourceVersion);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Information, Message = "Resource version {ResourceVersion} of {What} is too old (410 Gone); listing again")]
    private static partial void LogExpired(ILogger logger, string what, string? resourceVersion);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Warning, Message = "Watching {What} failed ({Reason}); keeping the last view and retrying in {Pause}")]
    private static partial void LogWatchFailed(ILogger logger, string what, string reason, TimeSpan pause);
}
