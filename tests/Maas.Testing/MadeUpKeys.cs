using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Maas.Testing;

/// <summary>
/// Makes up API keys the way an attacker would: random key id and secret with the public CRC-32
/// checksum, so they pass the format check and only the server's knowledge of keys refuses them.
/// Written from the published format (CRC-32 as zlib computes it), not from Maas's code.
/// </summary>
public static class MadeUpKeys
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>Returns a well-formed key no server issued, with <paramref name="prefix"/> (<c>sk-maas-</c> by default, or <c>sk-oai-</c>).</summary>
    public static string Create(string prefix = "sk-maas-")
    {
        var body = prefix + Digits(RandomNumberGenerator.GetBytes(12), 17) + "_" + Digits(RandomNumberGenerator.GetBytes(32), 43);
        var crc = System.IO.Hashing.Crc32.HashToUInt32(Encoding.ASCII.GetBytes(body));
        var check = new char[6];
        for (var i = 5; i >= 0; i--)
        {
            check[i] = Alphabet[(int)(crc % 62)];
            crc /= 62;
        }

        return body + new string(check);
    }

    private static string Digits(byte[] bigEndian, int count)
    {
        var value = new BigInteger(bigEndian, isUnsigned: true, isBigEndian: true);
        var digits = new char[count];
        for (var i = count - 1; i >= 0; i--)
        {
            digits[i] = Alphabet[(int)(value % 62)];
            value /= 62;
        }

        return new string(digits);
    }
}
