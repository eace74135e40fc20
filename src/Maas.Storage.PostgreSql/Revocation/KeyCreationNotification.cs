namespace Maas.Storage.PostgreSql.Revocation;

/// <summary>
/// The payload sent with <c>pg_notify('maas_key_creations', …)</c> when a key is added: the
/// base64 of its hash (44 characters), so every replica adds it to its membership filter. A
/// channel of its own: replicas of an older build do not listen to it, and treat nothing they
/// cannot parse on the revocation channel as a reason to drop their caches.
/// </summary>
internal static class KeyCreationNotification
{
    /// <summary>The channel every replica listens on for new keys.</summary>
    public const string Channel = "maas_key_creations";

    public static string Serialize(ReadOnlySpan<byte> hash) => Convert.ToBase64String(hash);

    /// <summary>Parses a payload; <see langword="null"/> when it is not a key hash.</summary>
    public static byte[]? Parse(string payload)
    {
        var hash = new byte[32];
        return Convert.TryFromBase64String(payload, hash, out var written) && written == hash.Length ? hash : null;
    }
}
