using System.Text;

namespace Maas.Testing;

/// <summary>Seeded random damage to request bodies and headers, for the tests that no mangled request gets a 5xx.</summary>
public static class MangledInput
{
    /// <summary><paramref name="text"/> with every character outside printable ASCII replaced by <c>x</c> (what a header may carry).</summary>
    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new([.. text.Select(c => c is > (char)32 and < (char)127 ? c : 'x')]);
    }

    /// <summary>The UTF-8 bytes of <paramref name="seed"/> after one to five random edits: a byte removed, inserted or replaced, or a quote, braces or a huge number inserted.</summary>
    public static byte[] Mangle(string seed, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(seed));
        var edits = random.Next(1, 6);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0: bytes.RemoveAt(at); break;
                case 1: bytes.Insert(at, (byte)random.Next(256)); break;
                case 2: bytes[at] = (byte)random.Next(256); break;
                default: bytes.InsertRange(at, Encoding.UTF8.GetBytes(random.Next(3) switch { 0 => "\"", 1 => "{}", _ => "1e999" })); break;
            }
        }

        return [.. bytes];
    }
}
