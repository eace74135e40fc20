using Maas.Auditing;
using Maas.Errors;
using Maas.Hosting.Auditing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;

namespace Maas.SelfService.Pages;

/// <summary><c>/keys/audit</c>, administrators: the audit trail, filtered and paged by cursor.</summary>
internal sealed class AuditModel(SelfServicePageServices services) : AdministrationPageModel(services)
{
    /// <summary>The filters as posted.</summary>
    [BindProperty]
    public AuditFilterForm AuditFilter { get; set; } = new();

    /// <summary>A page of the audit trail, and the cursor of the next.</summary>
    public IReadOnlyList<AuditEntry> Entries { get; private set; } = [];

    public string? NextCursor { get; private set; }

    public FormRefusal Refusal { get; } = new();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var fields = new Dictionary<string, StringValues>(StringComparer.Ordinal);
        foreach (var (name, value) in AuditFilter.AsQuery())
        {
            fields[name] = value;
        }

        try
        {
            // The same reader as GET /v1/audit: both accept and refuse the same filters and cursors.
            var query = AuditQueryReader.Read(new QueryCollection(fields));
            var page = await Services.Audit.ReadAsync(SignedIn, query, cancellationToken).ConfigureAwait(false);
            Entries = page.Entries;
            NextCursor = page.Next is { } next ? AuditCursor.Write(next) : null;
        }
        catch (InvalidRequestException ex)
        {
            Refusal.Refuse(ex.Field is "actor" or "subject" or "key_id" or "action" or "since" or "until" or "limit" ? ex.Field : "", ex.Message);
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        return Page();
    }
}
