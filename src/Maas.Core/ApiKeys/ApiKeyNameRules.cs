using Maas.Errors;

namespace Maas.ApiKeys;

/// <summary>The rules a key's name and description follow, shared by every host.</summary>
internal static class ApiKeyNameRules
{
    public const int MaxNameLength = 128;
    public const int MaxDescriptionLength = 1000;

    public static string NormalizeName(string? name)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            throw new InvalidRequestException("name", "name is required and must not be blank.");
        }

        if (trimmed.Length > MaxNameLength)
        {
            throw new InvalidRequestException("name", $"name must be at most {MaxNameLength} characters (got {trimmed.Length}).");
        }

        if (ContainsControl(trimmed))
        {
            throw new InvalidRequestException("name", "name must not contain control characters.");
        }

        if (ContainsFormat(trimmed))
        {
            // Bidi controls such as U+202E make a name display as something it is not.
            throw new InvalidRequestException("name", "name must not contain invisible formatting characters such as bidirectional overrides (Unicode category Cf).");
        }

        return trimmed;
    }

    public static string? NormalizeDescription(string? description)
    {
        if (description is null)
        {
            return null;
        }

        if (description.Length > MaxDescriptionLength)
        {
            throw new InvalidRequestException("description", $"description must be at most {MaxDescriptionLength} characters (got {description.Length}).");
        }

        StorableText.Require("description", description);
        return description;
    }

    private static bool ContainsFormat(string text)
    {
        foreach (var c in text)
        {
            if (char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format)
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsControl(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }
}
