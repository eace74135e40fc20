using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Maas.SelfService.Pages;

/// <summary>
/// Draws a <see cref="UsageChart"/> as inline SVG, on the server (the page needs no script): one column per
/// day, the series stacked in it, scaled so the largest day fills the plot; a day without usage has no bar.
/// The SVG is an image (<c>role="img"</c>) named by its title and described by its desc (the total and the
/// busiest day); the table beside it carries every number. Every name and label is encoded: a model id or a
/// key name is text, never markup.
/// </summary>
internal static class UsageChartSvg
{
    /// <summary>The drawing's size in its own units (it scales to the width it is given).</summary>
    public const double Width = 360, Height = 200;

    /// <summary>The plot inside the drawing: room on the left for the counts and below for the days.</summary>
    public const double PlotLeft = 46, PlotTop = 8, PlotWidth = Width - PlotLeft - 6, PlotHeight = Height - PlotTop - 24;

    /// <summary>The least height of a bar whose count is not 0, so that a small day beside a huge one still shows.</summary>
    public const double MinimumBar = 1;

    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;

    public static string Render(UsageChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var svg = new StringBuilder(4096);
        var id = Encode(chart.Id);
        svg.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 ")
            .Append(Number(Width)).Append(' ').Append(Number(Height))
            .Append("\" role=\"img\" aria-labelledby=\"").Append(id).Append("-title\" aria-describedby=\"").Append(id).Append("-desc\">");
        svg.Append("<title id=\"").Append(id).Append("-title\">").Append(Encode(chart.Title)).Append("</title>");
        svg.Append("<desc id=\"").Append(id).Append("-desc\">").Append(Encode(Describe(chart))).Append("</desc>");

        var largest = chart.Largest;
        var bottom = PlotTop + PlotHeight;

        // The scale: lines at 0, half the largest day and the largest day, each with its count.
        svg.Append("<g class=\"chart-scale\">");
        foreach (var (fraction, count) in largest == 0 ? [(0.0, 0L)] : new[] { (0.0, 0L), (0.5, largest / 2), (1.0, largest) })
        {
            var y = bottom - (fraction * PlotHeight);
            svg.Append("<line x1=\"").Append(Number(PlotLeft)).Append("\" x2=\"").Append(Number(PlotLeft + PlotWidth))
                .Append("\" y1=\"").Append(Number(y)).Append("\" y2=\"").Append(Number(y)).Append("\"/>");
            svg.Append("<text x=\"").Append(Number(PlotLeft - 4)).Append("\" y=\"").Append(Number(y + 4))
                .Append("\" text-anchor=\"end\">").Append(Encode(Display.ShowCompact(count))).Append("</text>");
        }

        svg.Append("</g>");

        var days = chart.Days.Count;
        var slot = days == 0 ? 0 : PlotWidth / days;
        var barWidth = slot * 0.7;
        for (var s = 0; s < chart.Series.Count; s++)
        {
            var series = chart.Series[s];
            svg.Append("<g class=\"series-").Append(s.ToString(CultureInfo.InvariantCulture)).Append("\">");
            for (var day = 0; day < days; day++)
            {
                var (top, height) = Bar(chart, s, day, bottom);
                if (height <= 0)
                {
                    continue;
                }

                svg.Append("<rect x=\"").Append(Number(PlotLeft + (day * slot) + ((slot - barWidth) / 2)))
                    .Append("\" y=\"").Append(Number(top)).Append("\" width=\"").Append(Number(barWidth))
                    .Append("\" height=\"").Append(Number(height)).Append("\"><title>")
                    .Append(Encode($"{Display.Show(chart.Days[day])}, {series.Name}: {Display.Show(series.Values[day])} {chart.Unit}"))
                    .Append("</title></rect>");
            }

            svg.Append("</g>");
        }

        // The days: the first, the middle and the last.
        svg.Append("<g class=\"chart-days\">");
        if (days > 0)
        {
            foreach (var (day, anchor) in new[] { (0, "start"), (days / 2, "middle"), (days - 1, "end") }.DistinctBy(d => d.Item1))
            {
                var x = anchor switch
                {
                    "start" => PlotLeft,
                    "end" => PlotLeft + PlotWidth,
                    _ => PlotLeft + (day * slot) + (slot / 2),
                };
                svg.Append("<text x=\"").Append(Number(x)).Append("\" y=\"").Append(Number(Height - 6))
                    .Append("\" text-anchor=\"").Append(anchor).Append("\">").Append(Encode(Display.ShowShort(chart.Days[day]))).Append("</text>");
            }
        }

        svg.Append("</g></svg>");
        return svg.ToString();
    }

    /// <summary>
    /// Where series <paramref name="series"/>'s bar of <paramref name="day"/> is drawn: its top and height, stacked on
    /// the series before it; at least <see cref="MinimumBar"/> tall when its count is not 0, and never above the plot.
    /// </summary>
    internal static (double Top, double Height) Bar(UsageChart chart, int series, int day, double bottom)
    {
        var largest = chart.Largest;
        var stacked = 0.0;
        var height = 0.0;
        for (var s = 0; s <= series; s++)
        {
            var count = chart.Series[s].Values[day];
            height = count <= 0 || largest <= 0 ? 0 : Math.Max(MinimumBar, (double)count / largest * PlotHeight);
            height = Math.Min(height, PlotHeight - stacked);
            if (s < series)
            {
                stacked += Math.Max(height, 0);
            }
        }

        return (bottom - stacked - height, Math.Max(height, 0));
    }

    /// <summary>What the chart says to a screen reader: the total and the busiest day; the table has the rest.</summary>
    internal static string Describe(UsageChart chart)
    {
        if (chart.Largest == 0)
        {
            return $"No {chart.Unit} in these {chart.Days.Count} days.";
        }

        var busiest = chart.DayTotals.ToList().IndexOf(chart.Largest);
        return $"{Display.Show(chart.Total)} {chart.Unit} in all; the most on {Display.Show(chart.Days[busiest])}: {Display.Show(chart.Largest)}. The table below has every day.";
    }

    /// <summary>Text for an SVG: control characters (which XML forbids even encoded) replaced, then HTML-encoded.</summary>
    internal static string Encode(string text) =>
        Encoder.Encode(string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '\uFFFD' : source[i];
            }
        }));

    internal static string Number(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);
}
