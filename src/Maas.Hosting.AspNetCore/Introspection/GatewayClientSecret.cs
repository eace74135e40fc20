using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Maas.Hosting.Introspection;

/// <summary>Reads and checks the <c>sha256:&lt;hex or base64&gt;</c> form of a gateway client's secret hash.</summary>
internal static class GatewayClientSecret
{
    /// <summary>The only accepted scheme prefix.</summary>
    public const string Prefix = "sha256:";

    /// <summary>Reads <paramref name="secretHash"/>; false when it is not <c>sha256:</c> with 32 bytes in hex or base64.</summary>
    public static bool TryParse(string? secretHash, [NotNullWhen(true)] out byte[]? hash)
    {
        hash = null;
        if (secretHash is null || !secretHash.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var digest = secretHash.AsSpan(Prefix.Length).Trim();
        if (digest.Length == SHA256.HashSizeInBytes * 2)
        {
            var bytes = new byte[SHA256.HashSizeInBytes];
            if (Convert.FromHexString(digest, bytes, out _, out _) != OperationStatus.Done)
            {
                return false;
            }

            hash = bytes;
            return true;
        }

        var decoded = new byte[SHA256.HashSizeInBytes + 3];
        if (Convert.TryFromBase64Chars(digest, decoded, out var written) && written == SHA256.HashSizeInBytes)
        {
            hash = decoded[..SHA256.HashSizeInBytes];
            return true;
        }

        return false;
    }

    /// <summary>Whether SHA-256(UTF-8(<paramref name="secret"/>)) equals <paramref name="expected"/>, in constant time.</summary>
    public static bool Matches(ReadOnlySpan<char> secret, ReadOnlySpan<byte> expected)
    {
        const int StackLimit = 512;
        Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
        var length = Encoding.UTF8.GetByteCount(secret);
        var bytes = length <= StackLimit ? stackalloc byte[StackLimit] : new byte[length];
        var written = Encoding.UTF8.GetBytes(secret, bytes);
        SHA256.HashData(bytes[..written], actual);
        CryptographicOperations.ZeroMemory(bytes[..written]);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
