using System.Globalization;
using Maas.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Maas.SelfService.Pages;

/// <summary>
/// What the usage report screen is asked for (a GET form, so a report is a link): <c>from</c> and <c>to</c> as
/// days in UTC, both included (by default the last <see cref="DefaultDays"/> days, today included), <c>group_by</c>
/// <c>user</c>, <c>model</c>, <c>tier</c> or <c>label</c> with the label's name in <c>label</c>, <c>limit</c> (how many
/// groups a page lists) and the <c>cursor</c> of a following page. <see cref="ToReportQuery"/> turns them into the
/// parameters of <c>GET /v1/usage/report</c>, which the endpoint's own reader then judges: the screen accepts and
/// refuses what the API does.
/// </summary>
internal sealed class UsageReportForm
{
    /// <summary>How many days the report covers when no day is given.</summary>
    public const int DefaultDays = 30;

    /// <summary>How many groups a page lists when no limit is given (the report's own bound applies to any other).</summary>
    public const int DefaultLimit = 20;

    /// <summary>The screen's parameters; anything else in the query is ignored, as a form's stray fields are.</summary>
    public static readonly string[] Names = ["from", "to", "group_by", "label", "limit", "cursor"];

    /// <summary>The longest value read for a parameter (the report's own bounds are tighter, but for the cursor).</summary>
    private const int MaxLength = 8192;

    public string? From { get; private set; }

    public string? To { get; private set; }

    /// <summary>user, model, tier or label.</summary>
    public string GroupBy { get; private set; } = "user";

    public string? Label { get; private set; }

    public string? Limit { get; private set; }

    public string? Cursor { get; private set; }

    /// <summary>Reads the screen's parameters from <paramref name="query"/> (the first value of each; blanks are absent).</summary>
    public static UsageReportForm Read(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        string? Value(string name) => query[name] is { Count: > 0 } values && !string.IsNullOrWhiteSpace(values[0]) ? values[0]!.Trim() : null;
        return new UsageReportForm
        {
            From = Value("from"),
            To = Value("to"),
            GroupBy = Value("group_by") ?? "user",
            Label = Value("label"),
            Limit = Value("limit"),
            Cursor = Value("cursor"),
        };
    }

    /// <summary>
    /// The parameters of <c>GET /v1/usage/report</c> for this form on <paramref name="today"/> (UTC): the days as the
    /// instants that begin <c>from</c> and end <c>to</c>. Fills in the default days and limit, so the form and its links show them.
    /// </summary>
    /// <exception cref="InvalidRequestException">A day is not a day, <c>to</c> is before <c>from</c>, or a label grouping names no label.</exception>
    public IQueryCollection ToReportQuery(DateOnly today)
    {
        var to = Day("to", To) ?? today;
        var from = Day("from", From) ?? to.AddDays(-(DefaultDays - 1));
        if (to < from)
        {
            throw new InvalidRequestException("to", "to must be the same day as from or later.");
        }

        if (to == DateOnly.MaxValue)
        {
            throw new InvalidRequestException("to", "to must be a day before the year 9999 ends.");
        }

        (From, To, Limit) = (Show(from), Show(to), Limit ?? DefaultLimit.ToString(CultureInfo.InvariantCulture));
        var groupBy = GroupBy switch
        {
            "user" or "model" or "tier" => GroupBy,
            "label" => Label is { } label ? "label:" + label : throw new InvalidRequestException("label", "Name the label to group by, for example team."),
            _ => throw new InvalidRequestException("group_by", "Group by user, model, tier or a label."),
        };

        var fields = new Dictionary<string, StringValues>(StringComparer.Ordinal)
        {
            ["from"] = Instant(from),
            ["to"] = Instant(to.AddDays(1)),
            ["group_by"] = groupBy,
            ["limit"] = Limit,
        };
        if (Cursor is { } cursor)
        {
            fields["cursor"] = cursor;
        }

        return new QueryCollection(fields);
    }

    /// <summary>Which field of the form a refusal of the report's parameter <paramref name="parameter"/> is about.</summary>
    public string FieldOf(string? parameter) => parameter switch
    {
        "group_by" when GroupBy == "label" => "label",
        "from" or "to" or "group_by" or "label" or "limit" or "cursor" => parameter,
        _ => "",
    };

    /// <summary>The form's parameters as route values (for a link to the same report), with <paramref name="cursor"/> as its page.</summary>
    public Dictionary<string, string> RouteValues(string? cursor)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal) { ["group_by"] = GroupBy };
        foreach (var (name, value) in new[] { ("from", From), ("to", To), ("label", GroupBy == "label" ? Label : null), ("limit", Limit), ("cursor", cursor) })
        {
            if (value is not null)
            {
                values[name] = value;
            }
        }

        return values;
    }

    private static DateOnly? Day(string name, string? text)
    {
        if (text is null)
        {
            return null;
        }

        return text.Length <= MaxLength && DateOnly.TryParseExact(text, "yyyy'-'MM'-'dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : throw new InvalidRequestException(name, $"{name} must be a day such as 2026-11-30.");
    }

    private static string Show(DateOnly day) => Display.Show(day);

    private static string Instant(DateOnly day) => Show(day) + "T00:00:00Z";
}
