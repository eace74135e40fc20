namespace Maas.SelfService.Pages;

/// <summary>
/// What the audit trail screen posts: the filters of <c>GET /v1/audit</c> under the same names
/// (read by the same reader, so both refuse the same input), and the cursor of the page before.
/// </summary>
internal sealed class AuditFilterForm
{
    public string? Actor { get; set; }

    public string? Subject { get; set; }

    public string? KeyId { get; set; }

    public string? Action { get; set; }

    /// <summary>The earliest instant (inclusive), RFC 3339.</summary>
    public string? Since { get; set; }

    /// <summary>The latest instant (exclusive), RFC 3339.</summary>
    public string? Until { get; set; }

    public string? Limit { get; set; }

    public string? Cursor { get; set; }

    /// <summary>The filled fields under their <c>GET /v1/audit</c> query names.</summary>
    public IEnumerable<KeyValuePair<string, string>> AsQuery()
    {
        foreach (var (name, value) in new[] { ("actor", Actor), ("subject", Subject), ("key_id", KeyId), ("action", Action), ("since", Since), ("until", Until), ("limit", Limit), ("cursor", Cursor) })
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                yield return new(name, value.Trim());
            }
        }
    }
}
