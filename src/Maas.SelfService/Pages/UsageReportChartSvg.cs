using System.Globalization;
using System.Text;

namespace Maas.SelfService.Pages;

/// <summary>
/// Draws a page of the usage report (<see cref="UsageReportView"/>) as inline SVG, on the server: one horizontal bar
/// per group, most tokens first, each named on its left and counted on its right, scaled so the first (the largest)
/// fills the width; at most <see cref="MaxBars"/> bars. Like the usage screen's charts it is an image named by its
/// title and described by its desc, with the table beside it carrying every number; names are text, never markup.
/// </summary>
internal static class UsageReportChartSvg
{
    /// <summary>The most bars drawn: the table lists the rest.</summary>
    public const int MaxBars = 25;

    /// <summary>The drawing's width in its own units (it scales to the width it is given), and one bar's row.</summary>
    public const double Width = 360, Row = 18;

    /// <summary>Where the bars start and end: names on the left of them, counts on the right.</summary>
    public const double BarLeft = 120, BarRight = 300;

    /// <summary>The least length of a bar whose count is not 0, so that a small group beside a huge one still shows.</summary>
    public const double MinimumBar = 1;

    /// <summary>The longest name shown in full; longer names are cut with an ellipsis (the table and the bar's title have them whole).</summary>
    public const int MaxNameLength = 20;

    public static string Render(UsageReportView report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var bars = report.Entries.Take(MaxBars).ToList();
        var height = Math.Max(bars.Count, 1) * Row;
        var largest = bars.Count == 0 ? 0 : bars.Max(e => e.TotalTokens);
        var svg = new StringBuilder(1024 + (bars.Count * 256));
        svg.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart report-chart\" viewBox=\"0 0 ")
            .Append(UsageChartSvg.Number(Width)).Append(' ').Append(UsageChartSvg.Number(height))
            .Append("\" role=\"img\" aria-labelledby=\"report-chart-title\" aria-describedby=\"report-chart-desc\">");
        svg.Append("<title id=\"report-chart-title\">").Append(UsageChartSvg.Encode(report.ChartTitle)).Append("</title>");
        svg.Append("<desc id=\"report-chart-desc\">").Append(UsageChartSvg.Encode(Describe(report))).Append("</desc>");
        for (var i = 0; i < bars.Count; i++)
        {
            var entry = bars[i];
            var name = UsageReportView.NameOf(entry);
            var middle = (i * Row) + (Row / 2);
            var length = Length(entry.TotalTokens, largest);
            svg.Append("<g class=\"series-0\">");
            svg.Append("<text x=\"").Append(UsageChartSvg.Number(BarLeft - 4)).Append("\" y=\"").Append(UsageChartSvg.Number(middle + 4))
                .Append("\" text-anchor=\"end\">").Append(UsageChartSvg.Encode(Cut(name))).Append("</text>");
            if (length > 0)
            {
                svg.Append("<rect x=\"").Append(UsageChartSvg.Number(BarLeft)).Append("\" y=\"").Append(UsageChartSvg.Number((i * Row) + 3))
                    .Append("\" width=\"").Append(UsageChartSvg.Number(length)).Append("\" height=\"").Append(UsageChartSvg.Number(Row - 6))
                    .Append("\"><title>").Append(UsageChartSvg.Encode($"{name}: {Display.Show(entry.TotalTokens)} tokens")).Append("</title></rect>");
            }

            svg.Append("<text x=\"").Append(UsageChartSvg.Number(Width - 2)).Append("\" y=\"").Append(UsageChartSvg.Number(middle + 4))
                .Append("\" text-anchor=\"end\">").Append(UsageChartSvg.Encode(Display.ShowCompact(entry.TotalTokens))).Append("</text>");
            svg.Append("</g>");
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>The length of the bar of <paramref name="tokens"/> when the largest is <paramref name="largest"/>: at least <see cref="MinimumBar"/> when not 0.</summary>
    internal static double Length(long tokens, long largest) =>
        tokens <= 0 || largest <= 0 ? 0 : Math.Min(BarRight - BarLeft, Math.Max(MinimumBar, (double)tokens / largest * (BarRight - BarLeft)));

    /// <summary>What the chart says to a screen reader: how many groups, and the first; the table has the rest.</summary>
    internal static string Describe(UsageReportView report)
    {
        var entries = report.Entries;
        if (entries.Count == 0)
        {
            return $"No usage by {report.GroupsName} on these days.";
        }

        var shown = Math.Min(entries.Count, MaxBars);
        var first = entries[0];
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{shown} {(shown == 1 ? "bar" : "bars")}, most tokens first; the first: {UsageReportView.NameOf(first)} with {Display.Show(first.TotalTokens)} tokens. The table below has every number.");
    }

    private static string Cut(string name) => name.Length <= MaxNameLength ? name : string.Concat(name.AsSpan(0, MaxNameLength - 1), "…");
}
