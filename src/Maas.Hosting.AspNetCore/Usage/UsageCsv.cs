using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Maas.Hosting.Usage;

/// <summary>
/// The CSV export of the usage endpoints, chosen with <c>Accept: text/csv</c> (JSON stays the default):
/// RFC 4180 (a header row, CRLF line ends, a field quoted when it holds a comma, quote, CR or LF, quotes
/// doubled), and every text cell that a spreadsheet would read as a formula (starting with <c>=</c>,
/// <c>+</c>, <c>-</c>, <c>@</c>, a tab or a CR) neutralised with a leading <c>'</c>, as OWASP advises for
/// CSV injection: a user, model or label value is whatever a caller chose. Sent as an attachment.
/// </summary>
internal sealed class UsageCsv
{
    public const string MediaType = "text/csv";

    /// <summary>The content type of the answer: UTF-8, with a header row.</summary>
    public const string ContentType = MediaType + "; charset=utf-8; header=present";

    private readonly StringBuilder _text = new();
    private bool _atRowStart = true;

    /// <summary>
    /// Chooses between the usage endpoints' two answers (<see cref="IsRequested"/>) and marks the response as
    /// such a choice: <c>Vary: Accept</c>, so a cache keeps JSON and CSV apart, and <c>Cache-Control: no-store</c>,
    /// since usage changes with every call. True for CSV.
    /// </summary>
    public static bool Negotiate(HttpRequest request)
    {
        var headers = request.HttpContext.Response.Headers;
        headers.CacheControl = "no-store";
        headers.Vary = "Accept";
        return IsRequested(request);
    }

    /// <summary>
    /// Tells whether the caller asked for CSV: <c>text/csv</c> is acceptable (quality above 0) and
    /// <c>application/json</c>, named explicitly, is not preferred to it. Wildcards do not compete with
    /// an explicit <c>text/csv</c>; without it the answer is JSON as before.
    /// </summary>
    private static bool IsRequested(HttpRequest request)
    {
        var accept = request.Headers.Accept;
        if (accept.Count == 0 || !MediaTypeHeaderValue.TryParseList(accept, out var types))
        {
            return false;
        }

        double csv = 0, json = 0;
        foreach (var type in types)
        {
            var quality = type.Quality ?? 1;
            if (type.MediaType.Equals(MediaType, StringComparison.OrdinalIgnoreCase))
            {
                csv = Math.Max(csv, quality);
            }
            else if (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            {
                json = Math.Max(json, quality);
            }
        }

        return csv > 0 && csv >= json;
    }

    /// <summary>Adds a text cell, quoted as RFC 4180 requires and neutralised against formula injection.</summary>
    public UsageCsv Text(string? value)
    {
        Separate();
        if (string.IsNullOrEmpty(value))
        {
            return this;
        }

        var neutral = value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;
        if (neutral.AsSpan().IndexOfAny(",\"\r\n") >= 0)
        {
            _text.Append('"').Append(neutral.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        }
        else
        {
            _text.Append(neutral);
        }

        return this;
    }

    /// <summary>Adds a count (never negative, so never read as a formula).</summary>
    public UsageCsv Number(long value)
    {
        Separate();
        _text.Append(value.ToString(CultureInfo.InvariantCulture));
        return this;
    }

    /// <summary>Adds the names of the six count columns, as the JSON answers name the counts (<see cref="UsageCountsResponse"/>).</summary>
    public UsageCsv CountNames() =>
        Text("requests").Text("limited_requests").Text("failed_requests").Text("prompt_tokens").Text("completion_tokens").Text("total_tokens");

    /// <summary>Adds the six counts, in the order of <see cref="CountNames"/>.</summary>
    public UsageCsv Counts(long requests, long limitedRequests, long failedRequests, long promptTokens, long completionTokens, long totalTokens) =>
        Number(requests).Number(limitedRequests).Number(failedRequests).Number(promptTokens).Number(completionTokens).Number(totalTokens);

    /// <summary>Ends the row.</summary>
    public UsageCsv EndRow()
    {
        _text.Append("\r\n");
        _atRowStart = true;
        return this;
    }

    /// <summary>The answer: the rows as <c>text/csv</c> in UTF-8, an attachment named <paramref name="fileName"/>.</summary>
    public ContentHttpResult ToResult(HttpResponse response, string fileName) => ToResult(response, _text.ToString(), fileName);

    /// <summary>The answer: <paramref name="text"/> as <c>text/csv</c> in UTF-8, an attachment named <paramref name="fileName"/>.</summary>
    public static ContentHttpResult ToResult(HttpResponse response, string text, string fileName)
    {
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(fileName);
        response.Headers.ContentDisposition = disposition.ToString();
        return TypedResults.Text(text, ContentType, Encoding.UTF8);
    }

    /// <summary>The rows so far.</summary>
    public override string ToString() => _text.ToString();

    private void Separate()
    {
        if (!_atRowStart)
        {
            _text.Append(',');
        }

        _atRowStart = false;
    }

    /// <summary>The file name part of a range: <c>20261101T0000-20261201T0000</c>.</summary>
    public static string Range(DateTimeOffset from, DateTimeOffset to) =>
        string.Create(CultureInfo.InvariantCulture, $"{from.UtcDateTime:yyyyMMdd'T'HHmm}-{to.UtcDateTime:yyyyMMdd'T'HHmm}");
}
