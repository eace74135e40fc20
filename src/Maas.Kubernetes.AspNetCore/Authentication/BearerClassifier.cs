using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace Maas.Kubernetes.Authentication;

/// <summary>
/// Tells a Maas credential from a cluster bearer by its shape: an <c>sk-maas-</c> key, or a JWT whose
/// unverified <c>iss</c> is Maas's issuer, is Maas's; a JWT whose <c>aud</c> holds <c>&lt;instance&gt;-sa</c>
/// is a service-account token Maas issued; anything else (an opaque OpenShift token, another JWT) is the
/// caller's cluster identity. Nothing is trusted from the shape: each kind is then verified by its own
/// scheme (Maas's validator, or the API server's TokenReview with the audience the kind implies).
/// </summary>
internal static class BearerClassifier
{
    private const string KeyPrefix = "sk-maas-";
    private const string LaterKeyPrefix = "sk-oai-";

    // A JWT payload larger than this is no token Maas or a cluster issues; it is reviewed as a cluster bearer.
    private const int MaxPayloadLength = 16 * 1024;

    public static BearerKind Classify(string credential, string maasIssuer, string serviceAccountAudience)
    {
        if (credential.StartsWith(KeyPrefix, StringComparison.Ordinal) || credential.StartsWith(LaterKeyPrefix, StringComparison.Ordinal))
        {
            return BearerKind.Maas;
        }

        var first = credential.IndexOf('.', StringComparison.Ordinal);
        var second = first < 0 ? -1 : credential.IndexOf('.', first + 1);
        if (second < 0 || credential.IndexOf('.', second + 1) >= 0 || second - first - 1 > MaxPayloadLength)
        {
            return BearerKind.Cluster;
        }

        var payload = credential.AsSpan(first + 1, second - first - 1);
        var bytes = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(payload.Length));
        try
        {
            if (Base64Url.DecodeFromChars(payload, bytes, out _, out var written) != OperationStatus.Done)
            {
                return BearerKind.Cluster;
            }

            var reader = new Utf8JsonReader(bytes.AsSpan(0, written));
            return Classify(ref reader, maasIssuer, serviceAccountAudience);
        }
        catch (JsonException)
        {
            return BearerKind.Cluster;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static BearerKind Classify(ref Utf8JsonReader reader, string maasIssuer, string serviceAccountAudience)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return BearerKind.Cluster;
        }

        var kind = BearerKind.Cluster;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isIssuer = reader.ValueTextEquals("iss"u8);
            var isAudience = !isIssuer && reader.ValueTextEquals("aud"u8);
            reader.Read();
            if (isIssuer && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(maasIssuer))
            {
                return BearerKind.Maas;
            }

            if (isAudience && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(serviceAccountAudience))
            {
                kind = BearerKind.MaasServiceAccount;
            }
            else if (isAudience && reader.TokenType == JsonTokenType.StartArray)
            {
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(serviceAccountAudience))
                    {
                        kind = BearerKind.MaasServiceAccount;
                    }
                    else
                    {
                        reader.Skip(); // A nested value is no audience.
                    }
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return kind;
    }
}
