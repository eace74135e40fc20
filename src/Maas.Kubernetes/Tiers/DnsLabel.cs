namespace Maas.Kubernetes.Tiers;

/// <summary>Kubernetes' DNS-1123 label rule, for namespaces Maas derives from tier names.</summary>
internal static class DnsLabel
{
    public static bool IsValid(string name) =>
        name.Length is > 0 and <= 63
        && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
        && name[0] != '-' && name[^1] != '-';
}
