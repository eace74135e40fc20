using System.Globalization;
using Maas.Errors;
using Maas.Usage;
using Maas.Hosting.Requests;
using Microsoft.AspNetCore.Http;

namespace Maas.Hosting.Usage;

/// <summary>
/// Reads the query string of <c>GET /v1/usage/history</c>: <c>from</c> (inclusive) and <c>to</c>
/// (exclusive) as RFC 3339 instants (by default the last 30 days up to now), at most 400 days apart
/// (31 by hour); <c>granularity</c> <c>hour</c>, <c>day</c> (the default) or <c>month</c>;
/// <c>group_by</c> <c>model</c> (the default), <c>key</c> or <c>label:&lt;name&gt;</c>. Anything unknown,
/// repeated or malformed is a 400 naming the parameter.
/// </summary>
internal static class UsageHistoryQueryReader
{
    public static readonly TimeSpan DefaultRange = TimeSpan.FromDays(30);
    public static readonly TimeSpan MaxHourlyRange = TimeSpan.FromDays(31);

    private static readonly string[] s_known = ["from", "to", "granularity", "group_by"];

    public static UsageQuery Read(IQueryCollection query, string user, DateTimeOffset now)
    {
        QueryParameters.RefuseUnknownAndRepeated(query, s_known, "usage history takes");

        var to = Instant(query, "to") ?? now;
        var from = Instant(query, "from") ?? to - DefaultRange;
        if (from >= to)
        {
            throw new InvalidRequestException("to", "to must be later than from.");
        }

        if (to - from > UsageQuery.MaxRange)
        {
            throw new InvalidRequestException("from", $"from and to may be at most {UsageQuery.MaxRange.TotalDays} days apart.");
        }

        var granularity = Text(query, "granularity") switch
        {
            null or "day" => UsageGranularity.Day,
            "hour" => UsageGranularity.Hour,
            "month" => UsageGranularity.Month,
            _ => throw new InvalidRequestException("granularity", "granularity must be hour, day or month."),
        };
        if (granularity == UsageGranularity.Hour && to - from > MaxHourlyRange)
        {
            throw new InvalidRequestException("from", $"By hour, from and to may be at most {MaxHourlyRange.TotalDays} days apart.");
        }

        var (groupBy, label) = Text(query, "group_by") switch
        {
            null or "model" => (UsageGrouping.Model, (string?)null),
            "key" => (UsageGrouping.Key, null),
            { } text when text.StartsWith("label:", StringComparison.Ordinal) && IsLabelName(text.AsSpan(6)) => (UsageGrouping.Label, text[6..]),
            _ => throw new InvalidRequestException("group_by", "group_by must be model, key or label:<name> (a label key such as label:team)."),
        };

        return new UsageQuery { User = user, From = from, To = to, Granularity = granularity, GroupBy = groupBy, Label = label };
    }

    /// <summary>A label key's characters (letters, digits, <c>.</c>, <c>_</c>, <c>-</c>, one optional <c>/</c>), 1 to 128 of them.</summary>
    public static bool IsLabelName(ReadOnlySpan<char> name) =>
        name.Length is > 0 and <= 128 && name.Count('/') <= 1 && !name.ContainsAnyExcept(LabelCharacters);

    private static readonly System.Buffers.SearchValues<char> LabelCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/");

    private static string? Text(IQueryCollection query, string name) => QueryParameters.Text(query, name, 256);

    private static DateTimeOffset? Instant(IQueryCollection query, string name) => QueryParameters.Instant(query, name, 256);
}
