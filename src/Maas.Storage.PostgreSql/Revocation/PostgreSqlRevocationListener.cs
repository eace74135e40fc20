using Maas.ApiKeys;
using Maas.Logging;
using Maas.Revocation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Maas.Storage.PostgreSql.Revocation;

/// <summary>
/// Receives the revocations every replica commits (<c>LISTEN maas_revocations</c> on one
/// dedicated connection) and publishes each into the local <see cref="RevocationSignal"/>; new
/// keys (<c>LISTEN maas_key_creations</c>) likewise into the <see cref="KeyCreationSignal"/>.
/// </summary>
/// <remarks>
/// When the connection drops it reconnects with exponential backoff and, once listening again,
/// publishes a <see cref="RevocationEvent.Resynchronize"/> event: caches drop everything, so a
/// revocation committed while it was away is never missed, only delayed. A connection silent for
/// <see cref="PingInterval"/> is pinged; one that does not answer within <see cref="PingTimeout"/>
/// (a stuck proxy or a dropped NAT entry hangs without any error) is abandoned and replaced the
/// same way, so a hang delays revocations by about the sum of the two. The replica's own revocations
/// come back through the channel as well; publishing them twice is harmless.
/// <see cref="StartAsync"/> and <see cref="StopAsync"/> have <c>IHostedService</c>'s shape.
/// </remarks>
internal sealed class PostgreSqlRevocationListener : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly RevocationSignal _signal;
    private readonly KeyCreationSignal? _creations;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly OutageLog _outages;
    private readonly Lock _gate = new();
    private CancellationTokenSource? _stopping;
    private Task _loop = Task.CompletedTask;
    private volatile NpgsqlConnection? _connection;
    private Task _abandoned = Task.CompletedTask;

    /// <summary>Creates the listener.</summary>
    /// <param name="dataSource">Where to connect; the listener opens one connection from it and keeps it (prefer an unpooled data source).</param>
    /// <param name="signal">Where received revocations are published.</param>
    /// <param name="timeProvider">The clock for backoff delays and probes.</param>
    /// <param name="logger">Where connection losses are logged.</param>
    /// <param name="creations">Where keys created on any replica are announced, or <see langword="null"/> to ignore them.</param>
    public PostgreSqlRevocationListener(
        NpgsqlDataSource dataSource,
        RevocationSignal signal,
        TimeProvider? timeProvider = null,
        ILogger<PostgreSqlRevocationListener>? logger = null,
        KeyCreationSignal? creations = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(signal);
        _dataSource = dataSource;
        _signal = signal;
        _creations = creations;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _outages = new OutageLog(_timeProvider);
    }

    /// <summary>Gets or sets the first reconnection delay; it doubles up to <see cref="MaxReconnectDelay"/>.</summary>
    /// <value>The default is 100 milliseconds.</value>
    public TimeSpan InitialReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Gets or sets the longest delay between reconnection attempts.</summary>
    /// <value>The default is 5 seconds.</value>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long the connection may stay silent before it is pinged with a query.</summary>
    /// <value>The default is 5 seconds (<see cref="PostgreSqlStorageOptions.ListenerPingInterval"/>).</value>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long a ping may go unanswered before the connection is taken for hung and replaced.</summary>
    /// <value>The default is 3 seconds (<see cref="PostgreSqlStorageOptions.ListenerPingTimeout"/>).</value>
    public TimeSpan PingTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Gets the server process id of the listening connection, or <see langword="null"/> while disconnected (for diagnostics and tests).</summary>
    public int? BackendProcessId => _connection?.ProcessID;

    /// <summary>
    /// Connects and starts listening. Returns once the first connection attempt is over: when it
    /// succeeded, every revocation committed from now on is received; when it failed, the listener
    /// keeps trying in the background and resynchronizes once connected.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        CancellationTokenSource stopping;
        lock (_gate)
        {
            if (_stopping is not null)
            {
                throw new InvalidOperationException("The revocation listener is already started.");
            }

            _stopping = stopping = new CancellationTokenSource();
        }

        NpgsqlConnection? connection = null;
        try
        {
            connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgreSqlFailures.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogDropped(ex, InitialReconnectDelay);
        }

        _loop = Task.Run(() => RunAsync(connection, stopping.Token), CancellationToken.None);
    }

    /// <summary>Stops listening and closes the connection.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        CancellationTokenSource? stopping;
        lock (_gate)
        {
            stopping = _stopping;
            _stopping = null;
        }

        if (stopping is null)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);

            // Connections given up as hung close once Npgsql has broken them.
            await _abandoned.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            stopping.Dispose();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private async Task<NpgsqlConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            connection.Notification += OnNotification;
            using var listen = new NpgsqlCommand($"LISTEN {RevocationNotification.Channel}; LISTEN {KeyCreationNotification.Channel}", connection);
            await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            _connection = connection;
            Log.Listening(_logger, RevocationNotification.Channel);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task RunAsync(NpgsqlConnection? connection, CancellationToken stopping)
    {
        var resynchronize = connection is null;
        var failures = connection is null ? 1 : 0;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                if (connection is null)
                {
                    try
                    {
                        connection = await ConnectAsync(stopping).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (!stopping.IsCancellationRequested)
                    {
                        var delay = Backoff(failures++);
                        LogDropped(ex, delay);
                        await Task.Delay(delay, _timeProvider, stopping).ConfigureAwait(false);
                        continue;
                    }
                }

                if (resynchronize)
                {
                    // Listening again: anything committed from now on arrives; anything before is in the database.
                    Log.ListenerResynchronized(_logger);
                    Publish(RevocationNotification.Resynchronization);
                    resynchronize = false;
                }

                try
                {
                    while (true)
                    {
                        failures = 0;
                        if (!await connection.WaitAsync(PingInterval, stopping).ConfigureAwait(false)
                            && !await PingAsync(connection, stopping).ConfigureAwait(false))
                        {
                            // Hung (or stopping): the connection is abandoned; reconnect at once.
                            connection = null;
                            stopping.ThrowIfCancellationRequested();
                            resynchronize = true;
                            Log.ListenerHung(_logger, PingInterval, PingTimeout);
                            break;
                        }
                    }
                }
                catch (Exception ex) when (!stopping.IsCancellationRequested && connection is not null)
                {
                    await CloseAsync(connection).ConfigureAwait(false);
                    connection = null;
                    resynchronize = true;
                    var delay = failures == 0 ? TimeSpan.Zero : Backoff(failures);
                    failures++;
                    LogDropped(ex, delay);
                    if (delay > TimeSpan.Zero)
                    {
                        await Task.Delay(delay, _timeProvider, stopping).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (Exception ex) when (stopping.IsCancellationRequested && ex is OperationCanceledException or NpgsqlException or IOException or TimeoutException)
        {
            // Stopping; an operation cut short by it may fail with the connection it broke.
        }
        finally
        {
            if (connection is not null)
            {
                await CloseAsync(connection).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Logs a lost or refused connection: an outage as one line per cause every 10 s (a server down
    /// for an hour is not 720 lines with stack traces), anything unexpected with its exception.
    /// </summary>
    private void LogDropped(Exception exception, TimeSpan delay)
    {
        if (!PostgreSqlFailures.IsUnavailable(exception))
        {
            Log.ListenerDropped(_logger, exception, delay);
        }
        else if (_outages.ShouldLog(PostgreSqlFailures.Describe(exception), out var failures))
        {
            Log.ListenerUnavailable(_logger, PostgreSqlFailures.Describe(exception), delay, failures);
        }
    }

    /// <summary>
    /// Pings the connection. Returns <see langword="false"/> when no answer came within
    /// <see cref="PingTimeout"/> (or the listener is stopping while the ping is in flight); the
    /// connection is then abandoned: no longer listened to, and closed once Npgsql has broken it.
    /// </summary>
    /// <remarks>
    /// The bound is kept here rather than by Npgsql's command timeout: on a timeout Npgsql first
    /// sends a cancel request over a new connection, which can itself take up to the connect
    /// timeout, and the listener must not wait for that before reconnecting.
    /// </remarks>
    private async Task<bool> PingAsync(NpgsqlConnection connection, CancellationToken stopping)
    {
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var ping = ExecutePingAsync(connection, cancel.Token);
        try
        {
            await ping.WaitAsync(PingTimeout, _timeProvider, stopping).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException && !ping.IsCompleted)
        {
            _connection = null;
            connection.Notification -= OnNotification;
            var abandoned = Task.Run(() => AbandonAsync(connection, ping, cancel), CancellationToken.None);
            _abandoned = Task.WhenAll(_abandoned, abandoned);
            return false;
        }
        finally
        {
            if (ping.IsCompleted)
            {
                cancel.Dispose();
            }
        }
    }

    private static async Task ExecutePingAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        using var probe = new NpgsqlCommand("SELECT 1", connection);
        await probe.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task AbandonAsync(NpgsqlConnection connection, Task ping, CancellationTokenSource cancel)
    {
        try
        {
            // Npgsql answers the cancellation by sending a cancel request and breaking the connection.
            await cancel.CancelAsync().ConfigureAwait(false);
            await ping.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or OperationCanceledException or TimeoutException)
        {
            // Expected: the ping was cancelled or the connection broke.
        }
        finally
        {
            cancel.Dispose();
        }

        await CloseAsync(connection).ConfigureAwait(false);
    }

    private TimeSpan Backoff(int failures)
    {
        var delay = InitialReconnectDelay * Math.Pow(2, Math.Min(failures, 16));
        return delay < MaxReconnectDelay ? delay : MaxReconnectDelay;
    }

    private async Task CloseAsync(NpgsqlConnection connection)
    {
        Interlocked.CompareExchange(ref _connection, null, connection);
        connection.Notification -= OnNotification;
        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or OperationCanceledException)
        {
            // The connection is already broken; nothing more to release.
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Channel == RevocationNotification.Channel)
        {
            Publish(RevocationNotification.Parse(e.Payload));
        }
        else if (e.Channel == KeyCreationNotification.Channel && _creations is not null)
        {
            if (KeyCreationNotification.Parse(e.Payload) is { } hash)
            {
                try
                {
                    _creations.Publish(hash);
                }
                catch (Exception ex)
                {
                    Log.SubscriberFailed(_logger, ex);
                }
            }
            else
            {
                // Unreadable: a key may have been missed; resynchronizing reloads the filters.
                Publish(RevocationNotification.Resynchronization);
            }
        }
    }

    private void Publish(RevocationEvent revocation)
    {
        try
        {
            _signal.Publish(revocation);
        }
        catch (Exception ex)
        {
            // A failing subscriber must not stop later revocations from being published.
            Log.SubscriberFailed(_logger, ex);
        }
    }
}
