using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Maas.Tokens;

/// <summary>
/// The ES256 (ECDSA P-256) keys of the built-in issuer. The first key signs new tokens; the
/// others are retired: they only verify, and stay published and accepted until every token they
/// could have signed has expired (retirement instant + <see cref="MaasOptions.Tokens"/> maximum
/// lifetime), then disappear from the JWKS and verify nothing. Keys loaded beside the signing key
/// count as retired when the ring is built, since the previous process signed with them until then.
/// Owns its keys and disposes them.
/// </summary>
internal sealed class SigningKeyRing : IJsonWebKeySource, IDisposable
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _retention;
    private readonly Lock _gate = new();
    private readonly List<SigningKey> _owned = [];
    private State _state;

    /// <summary>
    /// Loads the PEM files of <see cref="SigningOptions.KeyFiles"/>, or else the keys of a
    /// registered <see cref="ISigningKeyProvider"/>, or else generates one key in memory and
    /// warns that tokens die with the process.
    /// </summary>
    public SigningKeyRing(IOptions<MaasOptions> options, ILogger<SigningKeyRing> logger, IEnumerable<ISigningKeyProvider> providers)
        : this(options, logger, providers, TimeProvider.System)
    {
    }

    /// <summary>As the other constructor, with the clock retirement is measured on.</summary>
    public SigningKeyRing(IOptions<MaasOptions> options, ILogger<SigningKeyRing> logger, IEnumerable<ISigningKeyProvider> providers, TimeProvider time)
        : this(LoadOrGenerate(options, logger, providers, out var generated), time, options.Value.Tokens.Maximum.ToTimeSpan())
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (generated)
        {
            Log.EphemeralSigningKey(logger, Current.Kid);
        }
        else
        {
            Log.SigningKeysLoaded(logger, _state.Keys.Length, Current.Kid);
        }
    }

    /// <summary>
    /// Creates a ring over <paramref name="keys"/> (for example keys a store persisted), current
    /// first. The ring takes ownership of the keys. A key listed twice is kept once. Retired keys
    /// are never dropped.
    /// </summary>
    /// <exception cref="ArgumentException">No keys, a key that is not P-256, or a current key without its private part.</exception>
    internal SigningKeyRing(IEnumerable<ECDsa> keys)
        : this(keys, TimeProvider.System, Timeout.InfiniteTimeSpan)
    {
    }

    /// <summary>
    /// Creates a ring over <paramref name="keys"/>, current first; the others are retired now and
    /// dropped once <paramref name="retention"/> (the longest token lifetime; infinite to keep
    /// them) has passed.
    /// </summary>
    /// <exception cref="ArgumentException">No keys, a key that is not P-256, or a current key without its private part.</exception>
    internal SigningKeyRing(IEnumerable<ECDsa> keys, TimeProvider time, TimeSpan retention)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(time);
        var list = new List<SigningKey>();
        var duplicates = new List<ECDsa>();
        var byKid = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var signingKey = SigningKey.Create(key);
            if (byKid.TryAdd(signingKey.Kid, key))
            {
                list.Add(signingKey);
            }
            else if (!ReferenceEquals(byKid[signingKey.Kid], key))
            {
                duplicates.Add(key);
            }
        }

        if (list.Count == 0)
        {
            throw new ArgumentException("A signing key ring needs at least one key.", nameof(keys));
        }

        if (!SigningKey.HasPrivateKey(list[0].Key))
        {
            throw new ArgumentException("The current (first) signing key has no private key, so it cannot sign.", nameof(keys));
        }

        // Only now does the ring own the keys: on a refusal above, the caller still does.
        foreach (var duplicate in duplicates)
        {
            duplicate.Dispose();
        }

        _time = time;
        _retention = retention;
        _owned.AddRange(list);
        var now = time.GetUtcNow();
        _state = new State([.. list.Select((key, i) => new Entry(key, i == 0 ? null : now))]);
    }

    /// <summary>Gets the key that signs new tokens.</summary>
    public SigningKey Current => Volatile.Read(ref _state).Keys[0].Key;

    /// <summary>Gets every key still able to verify, current first.</summary>
    public IReadOnlyList<SigningKey> Keys
    {
        get
        {
            var now = _time.GetUtcNow();
            return [.. Volatile.Read(ref _state).Keys.Where(e => IsLive(e, now)).Select(e => e.Key)];
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<PublicJsonWebKey> GetPublicKeys()
    {
        var state = Volatile.Read(ref _state);
        if (state.Keys.Length == 1)
        {
            return state.PublicKeys;
        }

        var now = _time.GetUtcNow();
        return Array.AsReadOnly([.. state.Keys.Where(e => IsLive(e, now)).Select(e => e.Key.PublicKey)]);
    }

    /// <summary>Finds the key with id <paramref name="kid"/>, unless it retired longer ago than any token lives.</summary>
    public bool TryGetKey(string kid, [NotNullWhen(true)] out SigningKey? key) => TryGetKey(kid.AsSpan(), out key);

    /// <summary>Finds the key with id <paramref name="kid"/> without allocating a string.</summary>
    public bool TryGetKey(ReadOnlySpan<char> kid, [NotNullWhen(true)] out SigningKey? key)
    {
        if (Volatile.Read(ref _state).ByKid.TryGetValue(kid, out var entry)
            && (entry.RetiredAt is null || IsLive(entry, _time.GetUtcNow())))
        {
            key = entry.Key;
            return true;
        }

        key = null;
        return false;
    }

    /// <summary>
    /// Makes <paramref name="key"/> the signing key; the previous one retires now. The ring takes
    /// ownership of the key. Keys retired longer ago than the retention are dropped.
    /// </summary>
    /// <exception cref="ArgumentException">The key is not P-256, has no private part, or is already in the ring.</exception>
    internal void Rotate(ECDsa key)
    {
        var signingKey = SigningKey.Create(key);
        if (!SigningKey.HasPrivateKey(key))
        {
            throw new ArgumentException("The new signing key has no private key, so it cannot sign.", nameof(key));
        }

        lock (_gate)
        {
            var state = _state;
            if (state.ByKid.ContainsKey(signingKey.Kid.AsSpan()))
            {
                throw new ArgumentException("The key is already in the ring.", nameof(key));
            }

            var now = _time.GetUtcNow();
            var entries = new List<Entry> { new(signingKey, null) };
            foreach (var entry in state.Keys)
            {
                var retired = entry.RetiredAt is null ? entry with { RetiredAt = now } : entry;
                if (IsLive(retired, now))
                {
                    entries.Add(retired);
                }
            }

            // Dropped keys stay owned until the ring is disposed: a verification may still hold one.
            _owned.Add(signingKey);
            Volatile.Write(ref _state, new State([.. entries]));
        }
    }

    /// <summary>Generates a new P-256 key.</summary>
    internal static ECDsa GenerateKey() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>Exports <paramref name="key"/> as a PKCS#8 <c>PRIVATE KEY</c> PEM, for persistence.</summary>
    internal static string ExportPkcs8Pem(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>
    /// Reads a P-256 private key from PEM text with <c>ECDsa.ImportFromPem</c>:
    /// PKCS#8 (<c>PRIVATE KEY</c>) or SEC1 (<c>EC PRIVATE KEY</c>); other blocks such as
    /// <c>EC PARAMETERS</c> are skipped. <paramref name="source"/> names the text in error
    /// messages, which never contain key material.
    /// </summary>
    /// <exception cref="InvalidOperationException">The text holds no usable P-256 private key.</exception>
    internal static ECDsa ImportPem(ReadOnlySpan<char> pem, string source)
    {
        if (pem.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Signing key file '{source}' holds an encrypted private key; Maas needs an unencrypted PKCS#8 or SEC1 P-256 key.");
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            if (!SigningKey.HasPrivateKey(key))
            {
                throw new InvalidOperationException($"Signing key file '{source}' holds a public key only; Maas needs the ECDSA P-256 private key.");
            }

            _ = SigningKey.Create(key);
            return key;
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new InvalidOperationException($"Signing key file '{source}' does not hold an ECDSA P-256 private key (is it an RSA or other key?).", ex);
        }
        catch (ArgumentException ex) when (ex.ParamName == "key")
        {
            // SigningKey.Create: another curve. Its message names the curve, never key material.
            key.Dispose();
            throw new InvalidOperationException($"Signing key file '{source}' does not hold an ECDSA P-256 private key: {ex.Message}", ex);
        }
        catch (ArgumentException ex)
        {
            // ImportFromPem: no PEM block it reads, or more than one.
            key.Dispose();
            throw new InvalidOperationException($"Signing key file '{source}' holds no single 'PRIVATE KEY' or 'EC PRIVATE KEY' PEM block; Maas needs one ECDSA P-256 private key.", ex);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Disposes the keys.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var key in _owned)
            {
                key.Key.Dispose();
            }
        }
    }

    private bool IsLive(Entry entry, DateTimeOffset now) =>
        entry.RetiredAt is not { } retiredAt
        || _retention == Timeout.InfiniteTimeSpan
        || now < retiredAt + _retention;

    private sealed record Entry(SigningKey Key, DateTimeOffset? RetiredAt);

    private sealed class State
    {
        public State(Entry[] keys)
        {
            Keys = keys;
            var byKid = keys.ToDictionary(e => e.Key.Kid, StringComparer.Ordinal);
            ByKid = byKid.GetAlternateLookup<ReadOnlySpan<char>>();
            PublicKeys = Array.AsReadOnly([.. keys.Select(e => e.Key.PublicKey)]);
        }

        public Entry[] Keys { get; }

        public Dictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> ByKid { get; }

        public IReadOnlyList<PublicJsonWebKey> PublicKeys { get; }
    }

    private static List<ECDsa> LoadOrGenerate(IOptions<MaasOptions> options, ILogger logger, IEnumerable<ISigningKeyProvider> providers, out bool generated)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(providers);
        var files = options.Value.Signing.KeyFiles;
        if (files.Count == 0 && providers.LastOrDefault() is { } provider)
        {
            generated = false;
            return [.. provider.GetSigningKeys()];
        }

        var keys = new List<ECDsa>(Math.Max(files.Count, 1));
        generated = files.Count == 0;
        if (generated)
        {
            keys.Add(GenerateKey());
            return keys;
        }

        try
        {
            foreach (var file in files)
            {
                string text;
                try
                {
                    text = File.ReadAllText(file);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
                {
                    throw new InvalidOperationException($"Signing key file '{file}' cannot be read: {ex.Message}", ex);
                }

                keys.Add(ImportPem(text, file));
            }

            return keys;
        }
        catch
        {
            foreach (var key in keys)
            {
                key.Dispose();
            }

            throw;
        }
    }
}
