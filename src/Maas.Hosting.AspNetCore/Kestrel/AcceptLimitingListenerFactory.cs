using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.Kestrel;

/// <summary>
/// Wraps Kestrel's socket transport so that no more than <see cref="KestrelServerLimits.MaxConcurrentConnections"/>
/// accepted sockets are open at once: at the limit the transport stops calling <c>accept(2)</c> and new
/// connections wait in the kernel's backlog (or are refused by it) instead of costing a descriptor.
/// </summary>
/// <remarks>
/// Kestrel's own connection limit accepts every connection and then closes those over the limit. Under
/// a flood on a busy machine the closes fall behind the accepts, the process runs out of file
/// descriptors, and the runtime fails to start threads ("Out of memory."). Refusing to accept is the
/// only bound that holds whatever the load; Kestrel's limit stays as the second line.
/// </remarks>
internal sealed class AcceptLimitingListenerFactory(IConnectionListenerFactory transport, IOptions<KestrelServerOptions> kestrel) : IConnectionListenerFactory
{
    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var listener = await transport.BindAsync(endpoint, cancellationToken).ConfigureAwait(false);
        var limit = kestrel.Value.Limits.MaxConcurrentConnections;
        return limit is null or > int.MaxValue ? listener : new Listener(listener, (int)limit.Value);
    }

    private sealed class Listener(IConnectionListener inner, int limit) : IConnectionListener
    {
        private readonly SemaphoreSlim _slots = new(limit, limit);
        private readonly CancellationTokenSource _unbound = new();

        public EndPoint EndPoint => inner.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            // At the limit, wait for a slot; unbinding ends the wait (shutdown must not hang on a full house).
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token))
            {
                try
                {
                    await _slots.WaitAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_unbound.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    return null;
                }
            }

            ConnectionContext? connection;
            try
            {
                connection = await inner.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                _slots.Release();
                throw;
            }

            if (connection is null)
            {
                // The listener was unbound.
                _slots.Release();
                return null;
            }

            // The slot is free again once Kestrel disposes the connection, which it does for every
            // connection it accepted, whoever closed it.
            return new SlotConnection(connection, this);
        }

        internal void Release()
        {
            try
            {
                _slots.Release();
            }
            catch (ObjectDisposedException)
            {
                // Closed after the listener was disposed at shutdown: nothing to free.
            }
        }

        public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            await _unbound.CancelAsync().ConfigureAwait(false);
            await inner.UnbindAsync(cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            _slots.Dispose();
            _unbound.Dispose();
        }
    }

    /// <summary>An accepted connection that gives its slot back when disposed; everything else is the transport's.</summary>
    private sealed class SlotConnection(ConnectionContext inner, Listener owner) : ConnectionContext
    {
        private int _released;

        public override string ConnectionId
        {
            get => inner.ConnectionId;
            set => inner.ConnectionId = value;
        }

        public override Microsoft.AspNetCore.Http.Features.IFeatureCollection Features => inner.Features;

        public override IDictionary<object, object?> Items
        {
            get => inner.Items;
            set => inner.Items = value;
        }

        public override System.IO.Pipelines.IDuplexPipe Transport
        {
            get => inner.Transport;
            set => inner.Transport = value;
        }

        public override CancellationToken ConnectionClosed
        {
            get => inner.ConnectionClosed;
            set => inner.ConnectionClosed = value;
        }

        public override EndPoint? LocalEndPoint
        {
            get => inner.LocalEndPoint;
            set => inner.LocalEndPoint = value;
        }

        public override EndPoint? RemoteEndPoint
        {
            get => inner.RemoteEndPoint;
            set => inner.RemoteEndPoint = value;
        }

        public override void Abort(ConnectionAbortedException abortReason) => inner.Abort(abortReason);

        public override async ValueTask DisposeAsync()
        {
            try
            {
                await inner.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                if (Interlocked.Exchange(ref _released, 1) == 0)
                {
                    owner.Release();
                }

                await base.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
