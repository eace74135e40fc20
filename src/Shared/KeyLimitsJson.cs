using System.Buffers;
using System.Text.Json;
using Maas.ApiKeys;
using Maas.Tiers;

namespace Maas.Storage;

/// <summary>
/// Writes and reads a key's own limits (<see cref="ApiKeyLimits"/>) as one JSON object, the
/// nullable <c>limits</c> column of both durable stores (SQLite text, PostgreSQL jsonb):
/// <c>{"requests":5,"tokensPerMinute":100,"budgets":[{"period":"month","tokens":1000,"requests":0}]}</c>,
/// the names of the REST API, as <see cref="ApiKeyLimitsJson"/> writes them (the audit detail of a
/// limits change too). <see langword="null"/> (SQL NULL) for a key without. One source file
/// compiled into both store packages.
/// </summary>
internal static class KeyLimitsJson
{
    public static object Write(ApiKeyLimits? limits)
    {
        if (limits is null)
        {
            return DBNull.Value;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ApiKeyLimitsJson.WriteObject(writer, limits);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads what <see cref="Write"/> wrote; members it does not know are skipped (a newer build may add some).</summary>
    public static ApiKeyLimits Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var budgets = new List<TierBudget>();
        if (root.TryGetProperty("budgets", out var array) && array.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in array.EnumerateArray())
            {
                budgets.Add(new TierBudget
                {
                    Period = item.TryGetProperty("period", out var period) ? period.GetString() ?? "" : "",
                    Tokens = item.TryGetProperty("tokens", out var tokens) ? tokens.GetInt64() : 0,
                    Requests = item.TryGetProperty("requests", out var requests) ? requests.GetInt64() : 0,
                });
            }
        }

        return new ApiKeyLimits
        {
            Requests = root.TryGetProperty("requests", out var r) ? r.GetInt32() : 0,
            TokensPerMinute = root.TryGetProperty("tokensPerMinute", out var t) ? t.GetInt64() : 0,
            Budgets = budgets.AsReadOnly(),
        };
    }
}
