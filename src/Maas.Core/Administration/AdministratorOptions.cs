namespace Maas.Administration;

/// <summary>
/// Who administers keys (<c>Maas:Admins</c>): members of these groups may search, read and revoke
/// any user's keys and read the audit trail; everyone else manages only their own.
/// </summary>
public sealed class AdministratorOptions
{
    /// <summary>Gets the groups whose members are administrators; empty (the default) means nobody is.</summary>
    public IList<string> Groups { get; init; } = [];
}
