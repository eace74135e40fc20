using Maas.Durations;
using Maas.Gateway.Usage;
using Maas.SelfService.Pages;
using Maas.Tiers;

namespace Maas.SelfService.Tests;

/// <summary>The usage screen's list of limits: the two windows, then every budget the report or the tier carries.</summary>
public sealed class LimitLineTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_reports_budgets_are_listed_after_the_windows_with_what_is_left_and_when_the_period_ends()
    {
        var monthEnd = new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var report = new UsageReport
        {
            User = "alice",
            Tier = "free",
            Requests = Window(100, 7, TimeSpan.FromMinutes(2)),
            Tokens = Window(1_000, 40, TimeSpan.FromMinutes(1)),
            Budgets =
            [
                new BudgetUsage
                {
                    Name = "tokens-month", Counts = "tokens", Period = "month", Limit = 50_000, Used = 12_345, Remaining = 37_655,
                    PeriodStart = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), ResetsIn = monthEnd - Now, ResetsAt = monthEnd,
                },
                new BudgetUsage
                {
                    Name = "requests-day", Counts = "requests", Period = "day", Limit = 500, Used = 500, Remaining = 0,
                    PeriodStart = Now.Date, ResetsIn = TimeSpan.FromHours(12), ResetsAt = Now.AddHours(12),
                },
            ],
        };

        var lines = LimitLine.Of(report).ToList();

        Assert.Equal(["Requests", "LLM tokens", "LLM tokens (budget)", "Requests (budget)"], lines.Select(l => l.Name));
        Assert.Equal(("month", 50_000L, 12_345L, 37_655L, monthEnd), (lines[2].Per, lines[2].Limit, lines[2].Used!.Value, lines[2].Remaining, lines[2].ResetsAt!.Value));
        Assert.Equal(("day", 500L, 500L, 0L), (lines[3].Per, lines[3].Limit, lines[3].Used!.Value, lines[3].Remaining));
    }

    [Fact]
    public void A_tiers_budgets_are_listed_per_amount_it_sets_when_nothing_is_counted_here()
    {
        var tier = new Tier
        {
            Name = "free",
            Limits = new TierLimits
            {
                Requests = 10,
                Window = GoDuration.FromMinutes(2),
                TokensPerMinute = 100,
                Budgets = { new TierBudget { Period = "week", Tokens = 9_000 }, new TierBudget { Period = "day", Requests = 50, Tokens = 2_000 } },
            },
        };

        var lines = LimitLine.Of(tier).ToList();

        Assert.Equal(
            [("Requests", 10L, "2 minutes"), ("LLM tokens", 100L, "minute"), ("LLM tokens (budget)", 9_000L, "week"), ("Requests (budget)", 50L, "day"), ("LLM tokens (budget)", 2_000L, "day")],
            lines.Select(l => (l.Name, l.Limit, l.Per)));
        Assert.All(lines, l => Assert.Null(l.Used));
    }

    private static LimitUsage Window(long limit, long used, TimeSpan window) => new()
    {
        Limit = limit, Used = used, Remaining = limit - used, Window = window, ResetsIn = window, ResetsAt = Now + window,
    };
}
