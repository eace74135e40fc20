using System.Security.Cryptography;

namespace Maas.Tokens;

/// <summary>
/// Cryptographically strong random bytes, drawn from <see cref="RandomNumberGenerator"/> 4 KiB at a
/// time per thread: one system call serves hundreds of token ids instead of one each. Bytes
/// handed out are wiped from the buffer, so no secret lingers in it.
/// </summary>
internal static class RandomBytes
{
    private const int BlockSize = 4096;

    [ThreadStatic]
    private static byte[]? t_block;

    [ThreadStatic]
    private static int t_position;

    public static void Fill(Span<byte> destination)
    {
        if (destination.Length > BlockSize / 4)
        {
            RandomNumberGenerator.Fill(destination);
            return;
        }

        var block = t_block;
        if (block is null)
        {
            t_block = block = new byte[BlockSize];
            t_position = BlockSize;
        }

        if (BlockSize - t_position < destination.Length)
        {
            RandomNumberGenerator.Fill(block);
            t_position = 0;
        }

        var taken = block.AsSpan(t_position, destination.Length);
        taken.CopyTo(destination);
        CryptographicOperations.ZeroMemory(taken);
        t_position += destination.Length;
    }
}
