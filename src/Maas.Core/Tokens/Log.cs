using Microsoft.Extensions.Logging;

namespace Maas.Tokens;

/// <summary>Log messages of the built-in token issuer. Event ids 1100-1199 are stable; no secret is ever an argument.</summary>
internal static partial class Log
{
    [LoggerMessage(
        EventId = 1100,
        EventName = "EphemeralSigningKey",
        Level = LogLevel.Warning,
        Message = "No signing key files are configured (Maas:Signing:KeyFiles), so a signing key {Kid} was generated in memory: "
            + "tokens issued now stop verifying when this process exits and are not accepted by other replicas.")]
    public static partial void EphemeralSigningKey(ILogger logger, string kid);

    [LoggerMessage(
        EventId = 1101,
        EventName = "SigningKeysLoaded",
        Level = LogLevel.Information,
        Message = "Loaded {Count} signing key(s); key {Kid} signs new tokens.")]
    public static partial void SigningKeysLoaded(ILogger logger, int count, string kid);
}
