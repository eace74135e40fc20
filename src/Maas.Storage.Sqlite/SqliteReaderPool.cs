using System.Collections.Concurrent;

namespace Maas.Storage.Sqlite;

/// <summary>
/// The idle reader connections of a <see cref="SqliteDatabase"/>: a read takes one (or opens a
/// new one when none is idle) and gives it back, so reads run in parallel with each other and with
/// the writer (WAL readers see the last committed state). Keeps at most <see cref="MaxIdle"/>.
/// </summary>
internal sealed class SqliteReaderPool : IDisposable
{
    private static readonly int MaxIdle = Math.Max(4, Environment.ProcessorCount * 2);

    private readonly ConcurrentBag<SqliteSession> _idle = [];
    private int _disposed;

    /// <summary>Takes an idle reader, or returns <see langword="false"/> when none is idle.</summary>
    public bool TryTake(out SqliteSession session) => _idle.TryTake(out session!);

    /// <summary>
    /// Keeps a reader connection for the next read, up to <see cref="MaxIdle"/>; closes it when the
    /// pool is full or disposed (also when disposal raced this return).
    /// </summary>
    public void Return(SqliteSession session)
    {
        if (Volatile.Read(ref _disposed) != 0 || _idle.Count >= MaxIdle)
        {
            session.Dispose();
            return;
        }

        _idle.Add(session);
        if (Volatile.Read(ref _disposed) != 0)
        {
            CloseIdle();
        }
    }

    /// <summary>Closes the idle readers; a reader returned later is closed on return.</summary>
    public void Dispose()
    {
        Volatile.Write(ref _disposed, 1);
        CloseIdle();
    }

    private void CloseIdle()
    {
        while (_idle.TryTake(out var reader))
        {
            reader.Dispose();
        }
    }
}
