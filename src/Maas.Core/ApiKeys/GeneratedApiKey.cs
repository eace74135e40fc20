namespace Maas.ApiKeys;

/// <summary>
/// A key just generated: the full key (shown once to its owner, never stored), its public id
/// and the hash a store keeps. <see cref="ToString"/> never reveals the secret.
/// </summary>
internal sealed class GeneratedApiKey
{
    /// <summary>Creates the result.</summary>
    public GeneratedApiKey(string key, string keyId, byte[] hash)
    {
        Key = key;
        KeyId = keyId;
        Hash = hash;
    }

    /// <summary>Gets the whole key, <c>sk-maas-&lt;keyId&gt;_&lt;secret&gt;&lt;check&gt;</c> (or <c>sk-oai-</c>, as configured).</summary>
    public string Key { get; }

    /// <summary>Gets the key id: the public part, used as the key's <c>id</c>.</summary>
    public string KeyId { get; }

    /// <summary>Gets SHA-256(keyId, 0x00, secret).</summary>
    public byte[] Hash { get; }

    /// <summary>Returns the prefix and key id only.</summary>
    public override string ToString() => string.Concat(Key.AsSpan(0, Key.Length - ApiKeyFormat.BodyLength), KeyId, "_…");
}
