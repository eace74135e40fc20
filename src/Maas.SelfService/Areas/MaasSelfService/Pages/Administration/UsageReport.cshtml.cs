using System.Text;
using Maas.Errors;
using Maas.Hosting.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Maas.SelfService.Pages;

/// <summary>
/// <c>/keys/usage/report</c>, administrators: the usage of every user from the ledger over a range of days, grouped by
/// user, model, tier or a label, the most tokens first, in cursor pages, as a bar chart and a table; and
/// <c>/keys/usage/report/csv</c> with the same parameters, the page as the CSV file <c>GET /v1/usage/report</c> gives,
/// downloaded with the page's own sign-in (which the API's endpoints need not accept). A GET form: a report is a link.
/// Parameters the report refuses are said on the screen beside their field (400), never a failure.
/// </summary>
internal sealed class UsageReportModel(SelfServicePageServices services) : AdministrationPageModel(services)
{
    /// <summary>What was asked for, with the default days filled in.</summary>
    public UsageReportForm Form { get; private set; } = new();

    public FormRefusal Refusal { get; } = new();

    /// <summary>Gets whether the store keeps a usage ledger; without one there is no report.</summary>
    public bool HasLedger => Services.Ledger is not null;

    /// <summary>The page of the report, when it was read.</summary>
    public UsageReportView? Report { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        await ReadAsync(cancellationToken).ConfigureAwait(false);
        return Page();
    }

    /// <summary>The same page of the report as a CSV file; a refused parameter or a host without a ledger shows the screen instead.</summary>
    public async Task<IActionResult> OnGetCsvAsync(CancellationToken cancellationToken)
    {
        await ReadAsync(cancellationToken).ConfigureAwait(false);
        if (Report is not { } report)
        {
            return Page();
        }

        return File(Encoding.UTF8.GetBytes(UsageReportCsv.Write(report.Query, report.Entries)), UsageReportCsv.ContentType, UsageReportCsv.FileName(report.Query));
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        Form = UsageReportForm.Read(Request.Query);
        var today = DateOnly.FromDateTime(Services.Now.UtcDateTime);
        try
        {
            // The same reader as GET /v1/usage/report: both accept and refuse the same ranges, groupings, limits and cursors.
            var query = UsageReportQueryReader.Read(Form.ToReportQuery(today), Services.Now);
            if (Services.Ledger is not { } ledger)
            {
                Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            Report = await UsageReportView.ReadAsync(ledger, query, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidRequestException ex)
        {
            Refusal.Refuse(Form.FieldOf(ex.Field), ex.Message);
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
    }
}
