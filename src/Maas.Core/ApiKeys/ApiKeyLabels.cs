using System.Collections.Frozen;
using Maas.Errors;

namespace Maas.ApiKeys;

/// <summary>
/// The rules labels follow, as the Go service's: at most 50, a key of 1 to 128 characters in the
/// Kubernetes label-key form (an optional DNS prefix and <c>/</c>, then letters, digits, <c>.</c>,
/// <c>_</c>, <c>-</c>, beginning and ending alphanumeric), a value of 1 to 1,024 characters without
/// control characters. Checked in Maas.Core, so every host and store answers the same 400.
/// </summary>
internal static class ApiKeyLabels
{
    public const int MaxCount = 50;
    public const int MaxKeyLength = 128;
    public const int MaxValueLength = 1024;

    /// <summary>Gets the labels of a key that has none.</summary>
    public static IReadOnlyDictionary<string, string> None { get; } = FrozenDictionary<string, string>.Empty;

    /// <summary>Checks <paramref name="labels"/> and returns a copy the caller cannot change, or <see cref="None"/>.</summary>
    public static IReadOnlyDictionary<string, string> Normalize(string field, IReadOnlyDictionary<string, string>? labels)
    {
        if (labels is null || labels.Count == 0)
        {
            return None;
        }

        if (labels.Count > MaxCount)
        {
            throw new InvalidRequestException(field, $"{field} may hold at most {MaxCount} labels (got {labels.Count}).");
        }

        var copy = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in labels)
        {
            if (string.IsNullOrEmpty(key))
            {
                throw new InvalidRequestException(field, $"{field} keys must not be empty.");
            }

            StorableText.Require(field, key);
            if (key.Length > MaxKeyLength)
            {
                throw new InvalidRequestException(field, $"{field} key '{Shown(key)}' is longer than {MaxKeyLength} characters ({key.Length}).");
            }

            if (!IsLabelKey(key))
            {
                throw new InvalidRequestException(field, $"{field} key '{Shown(key)}' may contain only letters, digits, '.', '_', '-' (beginning and ending with a letter or digit), after an optional prefix and '/'.");
            }

            if (value is null || value.Length == 0)
            {
                throw new InvalidRequestException($"{field}.{key}", $"{field} value of '{key}' must be a non-empty string.");
            }

            StorableText.Require($"{field}.{key}", value);
            if (value.Length > MaxValueLength)
            {
                throw new InvalidRequestException($"{field}.{key}", $"{field} value of '{key}' is longer than {MaxValueLength} characters ({value.Length}).");
            }

            if (value.Any(char.IsControl))
            {
                throw new InvalidRequestException($"{field}.{key}", $"{field} value of '{key}' must not contain control characters.");
            }

            copy[key] = value;
        }

        return copy.ToFrozenDictionary(StringComparer.Ordinal);
    }

    // ^([a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?/)?[a-zA-Z0-9]([a-zA-Z0-9._-]*[a-zA-Z0-9])?$, without a regex.
    private static bool IsLabelKey(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0 && !IsSegment(key.AsSpan(0, slash), allowUnderscore: false))
        {
            return false;
        }

        return IsSegment(key.AsSpan(slash + 1), allowUnderscore: true);
    }

    private static bool IsSegment(ReadOnlySpan<char> segment, bool allowUnderscore)
    {
        if (segment.IsEmpty || !char.IsAsciiLetterOrDigit(segment[0]) || !char.IsAsciiLetterOrDigit(segment[^1]))
        {
            return false;
        }

        foreach (var c in segment)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '.' && c != '-' && !(allowUnderscore && c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    // A key is echoed in the message only when it is short and plain ASCII.
    private static string Shown(string key) =>
        key.Length <= 64 && key.All(c => c is >= ' ' and < '\u007f') ? key : $"(a key of {key.Length} characters)";
}
