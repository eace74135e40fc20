using System.Globalization;
using System.Xml.Linq;
using Maas.SelfService.Pages;

namespace Maas.SelfService.Tests;

/// <summary>The usage chart drawn on the server: scaled to the largest day, zeros drawn as nothing, huge counts bounded, names as text only.</summary>
public sealed class UsageChartSvgTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static readonly DateOnly First = new(2026, 11, 1);

    [Fact]
    public void Bars_scale_to_the_largest_day_and_a_day_without_usage_has_no_bar()
    {
        var chart = Chart(("granite", [10, 5, 0, 1]));
        var rects = Rects(chart);

        Assert.Equal(3, rects.Count);
        Assert.Equal(UsageChartSvg.PlotHeight, rects[0].Height, 2);
        Assert.Equal(UsageChartSvg.PlotHeight / 2, rects[1].Height, 2);
        Assert.Equal(UsageChartSvg.PlotHeight / 10, rects[2].Height, 2);
        Assert.All(rects, r => Assert.Equal(UsageChartSvg.PlotTop + UsageChartSvg.PlotHeight, r.Y + r.Height, 2));
        Assert.Equal(["2026-11-01, granite: 10 tokens", "2026-11-02, granite: 5 tokens", "2026-11-04, granite: 1 tokens"], rects.Select(r => r.Title));
        Assert.Equal("16 tokens in all; the most on 2026-11-01: 10. The table below has every day.", Desc(chart));
        Assert.Equal(["0", "5", "10"], ScaleLabels(chart));
    }

    [Fact]
    public void Series_stack_on_each_other_and_the_largest_day_total_fills_the_plot()
    {
        var chart = Chart(("granite", [6, 1]), ("llama", [4, 0]));
        var rects = Rects(chart);
        var bottom = UsageChartSvg.PlotTop + UsageChartSvg.PlotHeight;

        Assert.Equal([10L, 1L], chart.DayTotals);
        var (granite, llama) = (rects.Single(r => r.Title.StartsWith("2026-11-01, granite", StringComparison.Ordinal)), rects.Single(r => r.Title.StartsWith("2026-11-01, llama", StringComparison.Ordinal)));
        Assert.Equal(UsageChartSvg.PlotHeight * 0.6, granite.Height, 2);
        Assert.Equal(bottom, granite.Y + granite.Height, 2);
        Assert.Equal(UsageChartSvg.PlotHeight * 0.4, llama.Height, 2);
        Assert.Equal(granite.Y, llama.Y + llama.Height, 2);
        Assert.Equal(UsageChartSvg.PlotTop, llama.Y, 2);
        Assert.Equal(3, rects.Count);
    }

    [Fact]
    public void A_chart_of_zero_days_draws_no_bar_and_says_there_was_nothing()
    {
        var chart = Chart(("granite", new long[30]));
        var svg = XDocument.Parse(UsageChartSvg.Render(chart));

        Assert.Empty(Rects(chart));
        Assert.Equal(0, chart.Largest);
        Assert.Equal(["0"], ScaleLabels(chart));
        Assert.Equal("No tokens in these 30 days.", Desc(chart));
        Assert.DoesNotContain("NaN", svg.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", svg.ToString(), StringComparison.Ordinal);
        Assert.Equal(["1 Nov", "16 Nov", "30 Nov"], svg.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "chart-days").Elements(Svg + "text").Select(t => t.Value));
    }

    [Fact]
    public void A_huge_count_saturates_the_sums_fills_the_plot_and_a_small_day_beside_it_still_shows()
    {
        var chart = Chart(("granite", [long.MaxValue, 1, 0]), ("llama", [long.MaxValue, 0, 3]));
        var rects = Rects(chart);

        Assert.Equal([long.MaxValue, 1L, 3L], chart.DayTotals);
        Assert.Equal(long.MaxValue, chart.Largest);
        Assert.Equal(long.MaxValue, chart.Total);
        Assert.Equal(long.MaxValue, chart.Series[0].Total);

        // The huge day fills the plot and no more: the second series has no room left on it.
        var huge = rects.Where(r => r.Title.StartsWith("2026-11-01", StringComparison.Ordinal)).ToList();
        Assert.Equal(UsageChartSvg.PlotHeight, huge.Sum(r => r.Height), 2);
        Assert.All(rects, r => Assert.InRange(r.Y, UsageChartSvg.PlotTop - 0.01, UsageChartSvg.PlotTop + UsageChartSvg.PlotHeight));

        // The small days are drawn at the least visible height, not lost.
        Assert.Equal(UsageChartSvg.MinimumBar, rects.Single(r => r.Title.StartsWith("2026-11-02", StringComparison.Ordinal)).Height, 2);
        Assert.Equal(UsageChartSvg.MinimumBar, rects.Single(r => r.Title.StartsWith("2026-11-03", StringComparison.Ordinal)).Height, 2);
        Assert.Equal(["0", "4.6E", "9.2E"], ScaleLabels(chart));
        Assert.Contains("9,223,372,036,854,775,807 tokens in all", Desc(chart), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("</title><script>alert(1)</script>")]
    [InlineData("\"><svg onload=\"alert(1)\"><text>")]
    [InlineData("]]><foreignObject><iframe src=\"javascript:alert(1)\"/></foreignObject>")]
    [InlineData("a & b <c> 'd' \u0000\u001b[31m")]
    public void A_hostile_model_or_key_name_is_text_in_the_drawing_never_markup(string name)
    {
        var chart = new UsageChart
        {
            Id = "chart-model",
            Heading = "By model",
            Title = "Tokens per day by " + name,
            Unit = "tokens",
            Days = [First],
            Series = [new UsageSeries(name, [5L])],
        };
        var markup = UsageChartSvg.Render(chart);

        // Well-formed, made of the chart's own elements only, with no attribute but its own.
        var svg = XDocument.Parse(markup);
        Assert.All(svg.Descendants(), e => Assert.Contains(e.Name.LocalName, new[] { "svg", "title", "desc", "g", "line", "text", "rect" }));
        Assert.All(svg.Descendants().Attributes(), a => Assert.Contains(a.Name.LocalName, new[] { "xmlns", "class", "viewBox", "role", "aria-labelledby", "aria-describedby", "id", "x", "y", "x1", "x2", "y1", "y2", "width", "height", "text-anchor" }));
        Assert.DoesNotContain("<script", markup, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<foreignObject", markup, StringComparison.OrdinalIgnoreCase);

        // The name reads as itself (control characters replaced).
        var shown = name.Replace('\u0000', '\uFFFD').Replace('\u001b', '\uFFFD');
        Assert.Equal("Tokens per day by " + shown, svg.Root!.Element(Svg + "title")!.Value);
        Assert.Equal($"2026-11-01, {shown}: 5 tokens", svg.Descendants(Svg + "rect").Single().Element(Svg + "title")!.Value);
    }

    [Fact]
    public void Beyond_seven_series_the_smallest_are_summed_into_one_and_no_count_is_lost()
    {
        var counts = Enumerable.Range(1, 10).Select(n => new KeyValuePair<string, long[]>("model-" + n.ToString("00", CultureInfo.InvariantCulture), [n, 1])).ToList();
        var series = UsageChart.SeriesOf(counts, "Other models");

        Assert.Equal(UsageChart.MaxSeries, series.Count);
        Assert.Equal(["model-10", "model-09", "model-08", "model-07", "model-06", "model-05", "Other models"], series.Select(s => s.Name));
        Assert.True(series[^1].IsOthers);
        Assert.Equal([1L + 2 + 3 + 4, 4L], series[^1].Values);
        Assert.Equal(counts.Sum(c => c.Value.Sum()), series.Sum(s => s.Total));

        // Seven fit as they are.
        Assert.DoesNotContain(UsageChart.SeriesOf(counts.Take(7), "Other models"), s => s.IsOthers);
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(999, "999")]
    [InlineData(1_000, "1k")]
    [InlineData(1_560, "1.6k")]
    [InlineData(12_345, "12k")]
    [InlineData(999_999, "1M")]
    [InlineData(2_500_000_000, "2.5G")]
    [InlineData(long.MaxValue, "9.2E")]
    public void Counts_on_the_scale_are_short(long count, string shown) => Assert.Equal(shown, Display.ShowCompact(count));

    private static UsageChart Chart(params (string Name, long[] Values)[] series) => new()
    {
        Id = "chart-model",
        Heading = "By model",
        Title = "Tokens per day by model",
        Unit = "tokens",
        Days = [.. Enumerable.Range(0, series[0].Values.Length).Select(First.AddDays)],
        Series = [.. series.Select(s => new UsageSeries(s.Name, s.Values))],
    };

    private static List<(double Y, double Height, string Title)> Rects(UsageChart chart) =>
        [.. XDocument.Parse(UsageChartSvg.Render(chart)).Descendants(Svg + "rect").Select(r => (
            double.Parse((string)r.Attribute("y")!, CultureInfo.InvariantCulture),
            double.Parse((string)r.Attribute("height")!, CultureInfo.InvariantCulture),
            r.Element(Svg + "title")!.Value))];

    private static string Desc(UsageChart chart) => XDocument.Parse(UsageChartSvg.Render(chart)).Root!.Element(Svg + "desc")!.Value;

    private static List<string> ScaleLabels(UsageChart chart) =>
        [.. XDocument.Parse(UsageChartSvg.Render(chart)).Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "chart-scale").Elements(Svg + "text").Select(t => t.Value)];
}
