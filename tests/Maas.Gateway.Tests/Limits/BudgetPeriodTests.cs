using Maas.Durations;
using Maas.Tiers;

namespace Maas.Gateway.Tests.Limits;

/// <summary>Where budget periods start and end, in zones with daylight saving time and in ones that skip midnight.</summary>
public sealed class BudgetPeriodTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    [Fact]
    public void Months_and_days_follow_the_zones_calendar_across_daylight_saving_time()
    {
        // 2027-03-28: Berlin moves from +01:00 to +02:00; March began at 23:00Z on 28 February.
        var instant = new DateTimeOffset(2027, 3, 28, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(
            (new DateTimeOffset(2027, 2, 28, 23, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 3, 31, 22, 0, 0, TimeSpan.Zero)),
            BudgetPeriod.Month.Containing(instant, Berlin));
        var (start, end) = BudgetPeriod.Day.Containing(instant, Berlin);
        Assert.Equal(TimeSpan.FromHours(23), end - start);
        Assert.Equal(new DateTimeOffset(2027, 3, 27, 23, 0, 0, TimeSpan.Zero), start);

        // 2027-10-31: back to +01:00, a 25-hour day.
        var (autumnStart, autumnEnd) = BudgetPeriod.Day.Containing(new DateTimeOffset(2027, 10, 31, 12, 0, 0, TimeSpan.Zero), Berlin);
        Assert.Equal(TimeSpan.FromHours(25), autumnEnd - autumnStart);
    }

    [Fact]
    public void Every_instant_lies_in_its_period_and_periods_follow_one_another_without_gaps()
    {
        foreach (var zone in new[] { TimeZoneInfo.Utc, Berlin, TimeZoneInfo.FindSystemTimeZoneById("America/Santiago"), TimeZoneInfo.FindSystemTimeZoneById("Australia/Lord_Howe") })
        {
            foreach (var period in new[] { BudgetPeriod.Day, BudgetPeriod.Week, BudgetPeriod.Month, BudgetPeriod.FromLength(GoDuration.FromHours(7)) })
            {
                var instant = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
                var (_, previousEnd) = period.Containing(instant, zone);
                for (var i = 0; i < 800; i++)
                {
                    var (start, end) = period.Containing(previousEnd, zone);
                    Assert.Equal(previousEnd, start);
                    Assert.True(end > start, $"{period} in {zone.Id} at {start:O}");
                    Assert.Equal((start, end), period.Containing(end.AddTicks(-1), zone));
                    previousEnd = end;
                }
            }
        }
    }

    [Fact]
    public void Where_the_clocks_skip_midnight_the_day_starts_when_they_jump()
    {
        // Santiago moves its clocks from 24:00 to 01:00 on a September Saturday night: find it.
        var santiago = TimeZoneInfo.FindSystemTimeZoneById("America/Santiago");
        var date = new DateTime(2026, 8, 1);
        while (!santiago.IsInvalidTime(date))
        {
            date = date.AddDays(1);
            Assert.True(date.Year == 2026, "no skipped midnight found in 2026");
        }

        var (start, end) = BudgetPeriod.Day.Containing(new DateTimeOffset(date.AddHours(12) - santiago.GetUtcOffset(date.AddHours(12)), TimeSpan.Zero), santiago);
        Assert.Equal(date.AddHours(1), TimeZoneInfo.ConvertTimeFromUtc(start.UtcDateTime, santiago));
        Assert.Equal(TimeSpan.FromHours(23), end - start);
    }

    [Theory]
    [InlineData("day", "day")]
    [InlineData("Week", "week")]
    [InlineData("MONTH", "month")]
    [InlineData("12h", "12h0m0s")]
    [InlineData("1s", "1s")]
    [InlineData("8784h", "8784h0m0s")]
    public void Periods_parse_and_print_as_the_headers_name_them(string text, string printed)
    {
        Assert.True(BudgetPeriod.TryParse(text, out var period, out var error), error);
        Assert.Equal(printed, period.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    [InlineData("daily")]
    [InlineData("999ms")]
    [InlineData("8785h")]
    [InlineData("-1h")]
    [InlineData("9223372036854775807h")]
    public void Bad_periods_are_refused_with_a_reason(string? text)
    {
        Assert.False(BudgetPeriod.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }
}
