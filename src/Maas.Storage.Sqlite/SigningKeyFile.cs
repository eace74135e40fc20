using System.Security.Cryptography;
using System.Text;

namespace Maas.Storage.Sqlite;

/// <summary>
/// Keeps the token signing keys of the <c>disk</c> mode beside the database file, in
/// <c>&lt;data-path&gt;.signing-key.pem</c>: PKCS#8 PEM blocks of P-256 private keys, created
/// with file mode 0600 (owner read and write only), so tokens issued before a restart still verify.
/// </summary>
public static class SigningKeyFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Returns the path of the key file that belongs to the database at <paramref name="dataPath"/>.</summary>
    /// <param name="dataPath">The path of the SQLite database file.</param>
    public static string PathFor(string dataPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataPath);
        return Path.GetFullPath(dataPath) + ".signing-key.pem";
    }

    /// <summary>
    /// Loads every P-256 private key in the key file of <paramref name="dataPath"/>, first in the
    /// file first; creates the file with one new key when it does not exist. Several processes
    /// calling this together end up with the same key. A file readable by group or others is
    /// narrowed to 0600. The caller owns (and disposes) the returned keys.
    /// </summary>
    /// <param name="dataPath">The path of the SQLite database file.</param>
    /// <param name="cancellationToken">Cancels reading or writing the file.</param>
    /// <exception cref="InvalidOperationException">The file holds no usable P-256 private key, or cannot be written; the message names the path.</exception>
    public static async Task<IReadOnlyList<ECDsa>> LoadOrCreateAsync(string dataPath, CancellationToken cancellationToken = default)
    {
        var path = PathFor(dataPath);
        if (!File.Exists(path))
        {
            await CreateAsync(path, cancellationToken).ConfigureAwait(false);
        }

        return await LoadAsync(path, cancellationToken).ConfigureAwait(false);
    }

    private static async Task CreateAsync(string path, CancellationToken cancellationToken)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
            {
                var pem = Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem() + "\n");
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
                if (!OperatingSystem.IsWindows())
                {
                    // The mode is given to open(2): the file is never readable by others, not even briefly.
                    options.UnixCreateMode = OwnerOnly;
                }

                var stream = new FileStream(temporary, options);
                await using (stream.ConfigureAwait(false))
                {
                    await stream.WriteAsync(pem, cancellationToken).ConfigureAwait(false);
                    stream.Flush(flushToDisk: true);
                }
            }

            // The name appears only if it is absent, atomically: when another process (or thread)
            // created the file first, its key is the one everybody uses. File.Move without overwrite
            // checks and then renames on Unix, so two creators could both pass the check and the
            // second rename replace a key the first had already returned; link(2) cannot.
            if (OperatingSystem.IsWindows())
            {
                try
                {
                    File.Move(temporary, path, overwrite: false);
                }
                catch (IOException) when (File.Exists(path))
                {
                }
            }
            else if (UnixLink.Create(temporary, path) is { } error && error != UnixLink.AlreadyExists)
            {
                throw new IOException($"link failed with errno {error}");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Cannot create the signing key file '{path}': {ex.Message}", ex);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static async Task<IReadOnlyList<ECDsa>> LoadAsync(string path, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & GroupOrOther) != 0)
            {
                File.SetUnixFileMode(path, OwnerOnly);
            }

            text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Cannot read the signing key file '{path}': {ex.Message}", ex);
        }

        var keys = new List<ECDsa>();
        try
        {
            var rest = text.AsSpan();
            while (PemEncoding.TryFind(rest, out var fields))
            {
                var label = rest[fields.Label];
                if (label.SequenceEqual("PRIVATE KEY") || label.SequenceEqual("EC PRIVATE KEY"))
                {
                    var key = ECDsa.Create();
                    keys.Add(key);
                    key.ImportFromPem(rest[fields.Location]);
                    if (key.KeySize != 256)
                    {
                        throw new InvalidOperationException($"The signing key file '{path}' holds a key that is not P-256.");
                    }
                }

                rest = rest[fields.Location.End..];
            }
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            DisposeAll(keys);
            throw new InvalidOperationException($"The signing key file '{path}' holds a private key that cannot be read.", ex);
        }
        catch
        {
            DisposeAll(keys);
            throw;
        }

        if (keys.Count == 0)
        {
            throw new InvalidOperationException($"The signing key file '{path}' holds no P-256 private key (PEM \"PRIVATE KEY\").");
        }

        return keys;
    }

    private static void DisposeAll(List<ECDsa> keys)
    {
        foreach (var key in keys)
        {
            key.Dispose();
        }
    }
}
