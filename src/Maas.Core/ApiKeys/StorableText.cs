using Maas.Errors;
using Maas.Users;

namespace Maas.ApiKeys;

/// <summary>
/// Text every store keeps exactly: no NUL (PostgreSQL's <c>text</c> cannot hold it and answers
/// 22021) and no unpaired surrogate (it has no UTF-8 form, so a store would keep U+FFFD or refuse
/// it). Checked here, before any store, so every store answers the same 400.
/// </summary>
internal static class StorableText
{
    public static bool IsStorable(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return false;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws <see cref="InvalidRequestException"/> naming <paramref name="field"/> when <paramref name="text"/> cannot be stored alike everywhere.</summary>
    public static void Require(string field, string? text)
    {
        if (text is not null && !IsStorable(text))
        {
            throw new InvalidRequestException(field, $"{field} must not contain NUL characters or unpaired UTF-16 surrogates.");
        }
    }

    /// <summary>Checks the user's name and groups, which stores keep with every key.</summary>
    public static void Require(MaasUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        Require("user", user.Name);
        foreach (var group in user.Groups)
        {
            Require("groups", group);
        }
    }
}
