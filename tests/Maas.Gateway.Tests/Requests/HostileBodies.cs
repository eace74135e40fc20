using System.Globalization;
using System.Text;

namespace Maas.Gateway.Tests.Requests;

/// <summary>
/// Request bodies a hostile caller sends, for property tests: OpenAI-looking objects whose members
/// the gateway reads come twice, escaped, mistyped or with extreme numbers (near long.MaxValue and
/// 2^53, negative, floats, exponents), deep nesting, other roots, and bytes that are not JSON or not UTF-8.
/// </summary>
internal static class HostileBodies
{
    private static readonly string[] Names =
    [
        "model", "stream", "stream_options", "max_tokens", "max_completion_tokens", "messages", "prompt", "user", "n", "temperature",
        "mod\\u0065l", "stre\\u0061m", "max\\u005ftokens", "stream\\u005foptions", "max_completion\\u005ftokens",
    ];

    /// <summary>Returns one body; <paramref name="model"/> is the model most bodies name.</summary>
    public static byte[] Next(Random random, string model)
    {
        var text = random.Next(20) switch
        {
            0 => Value(random, model, 0),
            1 => new string('[', random.Next(1, 200)) + new string(']', random.Next(0, 200)),
            2 => ObjectOf(random, model, 0) + Value(random, model, 0),
            _ => ObjectOf(random, model, 0),
        };
        var bytes = Encoding.UTF8.GetBytes(text);
        return random.Next(8) switch
        {
            0 => bytes[..random.Next(bytes.Length + 1)],
            1 => Corrupt(random, bytes),
            _ => bytes,
        };
    }

    private static string ObjectOf(Random random, string model, int depth)
    {
        var members = new List<string>();
        if (random.Next(4) != 0)
        {
            members.Add($"\"model\":\"{model}\"");
        }

        var count = random.Next(0, 7);
        for (var i = 0; i < count; i++)
        {
            var name = Names[random.Next(Names.Length)];
            members.Add($"\"{name}\":{MemberValue(random, name, model, depth)}");
        }

        // Shuffled, so a repeated member is sometimes first and sometimes last.
        for (var i = members.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (members[i], members[j]) = (members[j], members[i]);
        }

        return "{" + string.Join(random.Next(2) == 0 ? "," : " , ", members) + "}";
    }

    private static string MemberValue(Random random, string name, string model, int depth) => name switch
    {
        "stream" or "stre\\u0061m" => random.Next(6) switch
        {
            0 => "true",
            1 => "false",
            2 => "null",
            3 => "\"true\"",
            4 => "1",
            _ => Value(random, model, depth + 1),
        },
        "stream_options" or "stream\\u005foptions" => random.Next(5) switch
        {
            0 => "{\"include_usage\":true}",
            1 => "{\"include_usage\":false,\"continuous_usage_stats\":true}",
            2 => "{\"include_usage\":true,\"include_usage\":false}",
            3 => "{\"include_usage\":\"true\"}",
            _ => random.Next(2) == 0 ? "null" : Value(random, model, depth + 1),
        },
        "max_tokens" or "max_completion_tokens" or "max\\u005ftokens" or "max_completion\\u005ftokens" => Number(random),
        _ => Value(random, model, depth + 1),
    };

    private static string Value(Random random, string model, int depth)
    {
        if (depth > 3 && random.Next(3) == 0)
        {
            // Deep nesting, sometimes past the reader's depth of 64.
            var levels = random.Next(1, 90);
            return new string('[', levels) + "0" + new string(']', levels);
        }

        return random.Next(depth > 4 ? 5 : 8) switch
        {
            0 => Number(random),
            1 => Text(random),
            2 => random.Next(2) == 0 ? "true" : "false",
            3 => "null",
            4 => "\"" + model + "\"",
            5 => "[" + string.Join(",", Enumerable.Range(0, random.Next(3)).Select(_ => Value(random, model, depth + 1))) + "]",
            _ => ObjectOf(random, model, depth + 1),
        };
    }

    private static string Number(Random random) => random.Next(9) switch
    {
        0 => (-HostileNumbers.Next(random)).ToString(CultureInfo.InvariantCulture),
        1 => HostileNumbers.Next(random).ToString(CultureInfo.InvariantCulture) + ".0",
        2 => "1e" + random.Next(0, 400).ToString(CultureInfo.InvariantCulture),
        3 => "9223372036854775808",
        4 => "-0",
        5 => random.NextDouble().ToString("R", CultureInfo.InvariantCulture),
        6 => "\"" + HostileNumbers.Next(random).ToString(CultureInfo.InvariantCulture) + "\"",
        _ => HostileNumbers.Next(random).ToString(CultureInfo.InvariantCulture),
    };

    private static string Text(Random random) => random.Next(6) switch
    {
        0 => "\"\\u0073k-maas-\\u0041\"",
        1 => "\"\\ud800 lone\"",
        2 => "\"tab\\there \\\"quoted\\\" \\\\ back\\/slash\"",
        3 => "\"héllo ✓ 𝄞\"",
        4 => "\"\\x41\"",
        _ => "\"hi\"",
    };

    private static byte[] Corrupt(Random random, byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return [0xFF];
        }

        byte[][] junk = [[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xF0, 0x9F], [0x00], [0x22], [0x5C]];
        var at = random.Next(bytes.Length);
        return [.. bytes[..at], .. junk[random.Next(junk.Length)], .. bytes[at..]];
    }
}
