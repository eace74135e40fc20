using System.Runtime.InteropServices;

namespace Maas.Storage.Sqlite;

/// <summary>link(2): gives a file a second name only when that name does not exist yet, atomically.</summary>
internal static partial class UnixLink
{
    /// <summary>The errno of a name that exists already (EEXIST, 17 on Linux and macOS).</summary>
    public const int AlreadyExists = 17;

    /// <summary>Links <paramref name="existing"/> to <paramref name="name"/>; returns <see langword="null"/> on success, else the errno.</summary>
    public static int? Create(string existing, string name) =>
        Link(existing, name) == 0 ? null : Marshal.GetLastPInvokeError();

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string name);
}
