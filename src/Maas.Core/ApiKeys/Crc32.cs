namespace Maas.ApiKeys;

/// <summary>
/// CRC-32 as zlib, PNG and Ethernet compute it (IEEE 802.3, reflected polynomial
/// <c>0xEDB88320</c>, initial value and final XOR <c>0xFFFFFFFF</c>), table-driven. Maas.Core
/// may not reference System.IO.Hashing.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] s_table = CreateTable();

    /// <summary>Computes the CRC-32 of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(0xFFFF_FFFFu, data);

    private static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var table = s_table;
        foreach (var b in data)
        {
            crc = table[(byte)(crc ^ b)] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB8_8320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
