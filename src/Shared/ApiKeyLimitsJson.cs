using System.Text.Json;

namespace Maas.ApiKeys;

/// <summary>
/// Writes a key's own limits (<see cref="ApiKeyLimits"/>) as one JSON object with the names of the REST API:
/// <c>{"requests":5,"tokensPerMinute":100,"budgets":[{"period":"month","tokens":1000,"requests":0}]}</c>.
/// One source file compiled into Maas.Core (the <c>old</c> and <c>new</c> of a limits change's audit
/// detail) and into both durable stores (their <c>limits</c> column), so the two cannot drift apart.
/// </summary>
internal static class ApiKeyLimitsJson
{
    /// <summary>Writes <paramref name="limits"/> as an object: a value of an array, or of a property named just before.</summary>
    public static void WriteObject(Utf8JsonWriter writer, ApiKeyLimits limits)
    {
        writer.WriteStartObject();
        writer.WriteNumber("requests", limits.Requests);
        writer.WriteNumber("tokensPerMinute", limits.TokensPerMinute);
        writer.WriteStartArray("budgets");
        foreach (var budget in limits.Budgets)
        {
            writer.WriteStartObject();
            writer.WriteString("period", budget.Period);
            writer.WriteNumber("tokens", budget.Tokens);
            writer.WriteNumber("requests", budget.Requests);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
