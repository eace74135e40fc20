using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Maas.Tokens;

/// <summary>
/// The ES256 (ECDSA P-256) keys of the built-in issuer. The first key signs new tokens; the
/// others only verify, so tokens signed before a rotation stay valid until they expire.
/// Owns its keys and disposes them.
/// </summary>
internal sealed class SigningKeyRing : IJsonWebKeySource, IDisposable
{
    private readonly SigningKey[] _keys;
    private readonly Dictionary<string, SigningKey> _byKid;
    private readonly Dictionary<string, SigningKey>.AlternateLookup<ReadOnlySpan<char>> _byKidSpan;
    private readonly IReadOnlyList<PublicJsonWebKey> _publicKeys;

    /// <summary>
    /// Loads the PEM files of <see cref="SigningOptions.KeyFiles"/>, or else the keys of a
    /// registered <see cref="ISigningKeyProvider"/>, or else generates one key in memory and
    /// warns that tokens die with the process.
    /// </summary>
    public SigningKeyRing(IOptions<MaasOptions> options, ILogger<SigningKeyRing> logger, IEnumerable<ISigningKeyProvider> providers)
        : this(LoadOrGenerate(options, logger, providers, out var generated))
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (generated)
        {
            Log.EphemeralSigningKey(logger, Current.Kid);
        }
        else
        {
            Log.SigningKeysLoaded(logger, _keys.Length, Current.Kid);
        }
    }

    /// <summary>
    /// Creates a ring over <paramref name="keys"/> (for example keys a store persisted), current
    /// first. The ring takes ownership of the keys. A key listed twice is kept once.
    /// </summary>
    /// <exception cref="ArgumentException">No keys, a key that is not P-256, or a current key without its private part.</exception>
    internal SigningKeyRing(IEnumerable<ECDsa> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var list = new List<SigningKey>();
        var duplicates = new List<ECDsa>();
        var byKid = new Dictionary<string, SigningKey>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var signingKey = SigningKey.Create(key);
            if (byKid.TryAdd(signingKey.Kid, signingKey))
            {
                list.Add(signingKey);
            }
            else if (!ReferenceEquals(byKid[signingKey.Kid].Key, key))
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

        _keys = [.. list];
        _byKid = byKid;
        _byKidSpan = byKid.GetAlternateLookup<ReadOnlySpan<char>>();
        _publicKeys = Array.AsReadOnly([.. list.Select(k => k.PublicKey)]);
    }

    /// <summary>Gets the key that signs new tokens.</summary>
    public SigningKey Current => _keys[0];

    /// <summary>Gets every key, current first.</summary>
    public IReadOnlyList<SigningKey> Keys => _keys;

    /// <inheritdoc />
    public IReadOnlyList<PublicJsonWebKey> GetPublicKeys() => _publicKeys;

    /// <summary>Finds the key with id <paramref name="kid"/>.</summary>
    public bool TryGetKey(string kid, [NotNullWhen(true)] out SigningKey? key) => _byKid.TryGetValue(kid, out key);

    /// <summary>Finds the key with id <paramref name="kid"/> without allocating a string.</summary>
    public bool TryGetKey(ReadOnlySpan<char> kid, [NotNullWhen(true)] out SigningKey? key) => _byKidSpan.TryGetValue(kid, out key);

    /// <summary>Generates a new P-256 key.</summary>
    internal static ECDsa GenerateKey() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>Exports <paramref name="key"/> as a PKCS#8 <c>PRIVATE KEY</c> PEM, for persistence.</summary>
    internal static string ExportPkcs8Pem(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>
    /// Reads a P-256 private key from PEM text: PKCS#8 (<c>PRIVATE KEY</c>) or SEC1
    /// (<c>EC PRIVATE KEY</c>); other blocks such as <c>EC PARAMETERS</c> are skipped.
    /// <paramref name="source"/> names the text in error messages, which never contain key material.
    /// </summary>
    /// <exception cref="InvalidOperationException">The text holds no usable P-256 private key.</exception>
    internal static ECDsa ImportPem(ReadOnlySpan<char> pem, string source)
    {
        var remaining = pem;
        while (PemEncoding.TryFind(remaining, out var fields))
        {
            var label = remaining[fields.Label];
            var isPkcs8 = label.SequenceEqual("PRIVATE KEY");
            var isSec1 = label.SequenceEqual("EC PRIVATE KEY");
            if (label.SequenceEqual("ENCRYPTED PRIVATE KEY"))
            {
                throw new InvalidOperationException($"Signing key file '{source}' holds an encrypted private key; Maas needs an unencrypted PKCS#8 or SEC1 P-256 key.");
            }

            if (isPkcs8 || isSec1)
            {
                var der = new byte[fields.DecodedDataLength];
                try
                {
                    if (!Convert.TryFromBase64Chars(remaining[fields.Base64Data], der, out var length))
                    {
                        throw new InvalidOperationException($"Signing key file '{source}' holds a PEM block that is not valid base64.");
                    }

                    return ImportDer(der.AsSpan(0, length), isPkcs8, source);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(der);
                }
            }

            remaining = remaining[fields.Location.End..];
        }

        throw new InvalidOperationException($"Signing key file '{source}' holds no 'PRIVATE KEY' or 'EC PRIVATE KEY' PEM block; Maas needs an ECDSA P-256 private key.");
    }

    /// <summary>Disposes the keys.</summary>
    public void Dispose()
    {
        foreach (var key in _keys)
        {
            key.Key.Dispose();
        }
    }

    private static ECDsa ImportDer(ReadOnlySpan<byte> der, bool isPkcs8, string source)
    {
        var key = ECDsa.Create();
        try
        {
            if (isPkcs8)
            {
                key.ImportPkcs8PrivateKey(der, out _);
            }
            else
            {
                key.ImportECPrivateKey(der, out _);
            }

            _ = SigningKey.Create(key);
            return key;
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new InvalidOperationException($"Signing key file '{source}' does not hold an ECDSA P-256 private key (is it an RSA or other key?).", ex);
        }
        catch (ArgumentException ex)
        {
            key.Dispose();
            throw new InvalidOperationException($"Signing key file '{source}' does not hold an ECDSA P-256 private key: {ex.Message}", ex);
        }
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
