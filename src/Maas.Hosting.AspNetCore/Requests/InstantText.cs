using System.Globalization;

namespace Maas.Hosting.Requests;

/// <summary>
/// How the endpoints write an instant: RFC 3339 in UTC to the second, <c>2026-01-31T12:00:00Z</c>, the
/// form <see cref="QueryParameters.Instant"/> reads back. (The audit trail's <c>at</c> keeps microseconds.)
/// </summary>
internal static class InstantText
{
    /// <summary>Writes <paramref name="instant"/> in UTC, whole seconds.</summary>
    public static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture);
}
