using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Maas.Revocation;

namespace Maas.Storage.PostgreSql.Revocation;

/// <summary>
/// The payload sent with <c>pg_notify('maas_revocations', …)</c>: JSON with <c>owner</c> and
/// either <c>keyId</c> (one key) or <c>revokedBefore</c> (everything the owner held), or
/// <c>{"resynchronize":true}</c> when the event does not fit in a notification.
/// </summary>
internal static class RevocationNotification
{
    /// <summary>The channel every replica listens on.</summary>
    public const string Channel = "maas_revocations";

    // PostgreSQL refuses payloads of 8000 bytes or more; stay well below.
    private const int MaxPayloadBytes = 7000;

    /// <summary>Serializes an event; an oversized one becomes a resynchronization, so it is never lost.</summary>
    public static string Serialize(RevocationEvent revocation)
    {
        ArgumentNullException.ThrowIfNull(revocation);
        var payload = JsonSerializer.Serialize(
            new Payload
            {
                Owner = revocation.Resynchronize ? null : revocation.Owner,
                KeyId = revocation.KeyId,
                RevokedBefore = revocation.RevokedBefore,
                Resynchronize = revocation.Resynchronize ? true : null,
            },
            PayloadJsonContext.Default.Payload);
        return Encoding.UTF8.GetByteCount(payload) < MaxPayloadBytes
            ? payload
            : JsonSerializer.Serialize(new Payload { Resynchronize = true }, PayloadJsonContext.Default.Payload);
    }

    /// <summary>Parses a payload; anything unreadable becomes a resynchronization (caches drop everything).</summary>
    public static RevocationEvent Parse(string payload)
    {
        Payload? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(payload, PayloadJsonContext.Default.Payload);
        }
        catch (JsonException)
        {
            parsed = null;
        }

        if (parsed is null || parsed.Resynchronize == true || string.IsNullOrEmpty(parsed.Owner)
            || (parsed.KeyId is null && parsed.RevokedBefore is null))
        {
            return Resynchronization;
        }

        return new RevocationEvent
        {
            Owner = parsed.Owner,
            KeyId = parsed.KeyId,
            RevokedBefore = parsed.RevokedBefore?.ToUniversalTime(),
        };
    }

    /// <summary>Gets the event that tells caches to drop everything.</summary>
    public static RevocationEvent Resynchronization { get; } = new() { Owner = string.Empty, Resynchronize = true };

    internal sealed class Payload
    {
        [JsonPropertyName("owner")]
        public string? Owner { get; init; }

        [JsonPropertyName("keyId")]
        public string? KeyId { get; init; }

        [JsonPropertyName("revokedBefore")]
        public DateTimeOffset? RevokedBefore { get; init; }

        [JsonPropertyName("resynchronize")]
        public bool? Resynchronize { get; init; }
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RevocationNotification.Payload))]
internal sealed partial class PayloadJsonContext : JsonSerializerContext;
