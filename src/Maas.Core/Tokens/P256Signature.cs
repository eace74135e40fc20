namespace Maas.Tokens;

/// <summary>
/// The low-S rule for ES256 signatures (r ‖ s, 32 bytes each, big-endian). For every valid
/// signature (r, s), (r, n − s) verifies too: accepting both gives every token a second spelling,
/// so a token's text stops identifying it (caches, deny lists, replay checks keyed by the text).
/// Maas accepts only s ≤ n/2, and its issuer emits only that form (.NET's ECDsa does not normalize).
/// </summary>
internal static class P256Signature
{
    /// <summary>The order n of the P-256 group, big-endian.</summary>
    private static readonly byte[] s_order = Convert.FromHexString("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");

    /// <summary>⌊n / 2⌋, big-endian.</summary>
    private static readonly byte[] s_halfOrder = Convert.FromHexString("7FFFFFFF800000007FFFFFFFFFFFFFFFDE737D56D38BCF4279DCE5617E3192A8");

    /// <summary>Whether the signature's s is at most n/2.</summary>
    public static bool IsLowS(ReadOnlySpan<byte> signature) =>
        signature.Length == 64 && signature[32..].SequenceCompareTo(s_halfOrder) <= 0;

    /// <summary>Replaces s with n − s when s is above n/2 (the same signature, in its low-S form).</summary>
    public static void NormalizeLowS(Span<byte> signature)
    {
        if (signature.Length != 64)
        {
            throw new ArgumentException("An ES256 signature has 64 bytes.", nameof(signature));
        }

        if (IsLowS(signature))
        {
            return;
        }

        var s = signature[32..];
        var borrow = 0;
        for (var i = 31; i >= 0; i--)
        {
            var difference = s_order[i] - s[i] - borrow;
            borrow = difference < 0 ? 1 : 0;
            s[i] = (byte)(difference + (borrow << 8));
        }
    }
}
