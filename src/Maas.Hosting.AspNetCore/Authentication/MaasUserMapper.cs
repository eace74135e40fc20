using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using Maas.Users;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.Authentication;

/// <summary>
/// The one mapping from a signed-in principal to a <see cref="MaasUser"/>: the name is the first
/// <see cref="MaasClaimsOptions.NameClaimType"/> claim, the groups every
/// <see cref="MaasClaimsOptions.GroupClaimType"/> claim, of the principal's authenticated identities.
/// A principal signed in with a Maas API key (a <c>maas:credential</c> claim of <c>api_key</c>) maps
/// to a user with <see cref="MaasUser.FromApiKey"/> set: the key's groups are the ones fixed when it
/// was created, so it is never an administrator.
/// The Maas endpoints use it on <c>HttpContext.User</c>; the host may use it on its own endpoints.
/// </summary>
public sealed class MaasUserMapper
{
    private const int MaxNameLength = 512;
    private const int MaxGroups = 512;

    private readonly IOptionsMonitor<MaasClaimsOptions> _options;

    /// <summary>Creates a mapper reading the claim types from <paramref name="options"/>.</summary>
    public MaasUserMapper(IOptionsMonitor<MaasClaimsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>
    /// Returns the user <paramref name="principal"/> stands for, or <see langword="null"/> when it is
    /// not authenticated or carries no valid name (empty, over 512 characters, control characters) or
    /// more than 512 groups.
    /// </summary>
    public MaasUser? Map(ClaimsPrincipal principal) => TryMap(principal, out var user, out _) ? user : null;

    internal bool TryMap(ClaimsPrincipal principal, [NotNullWhen(true)] out MaasUser? user, [NotNullWhen(false)] out string? failure)
    {
        ArgumentNullException.ThrowIfNull(principal);
        user = null;
        var options = _options.CurrentValue;
        string? name = null;
        List<string>? groups = null;
        var authenticated = false;
        var fromApiKey = false;
        foreach (var identity in principal.Identities)
        {
            if (!identity.IsAuthenticated)
            {
                continue;
            }

            authenticated = true;
            foreach (var claim in identity.Claims)
            {
                if (name is null && string.Equals(claim.Type, options.NameClaimType, StringComparison.Ordinal))
                {
                    name = claim.Value.Trim();
                }
                else if (string.Equals(claim.Type, MaasAuthenticationDefaults.CredentialClaim, StringComparison.Ordinal)
                    && string.Equals(claim.Value, MaasAuthenticationDefaults.ApiKeyCredential, StringComparison.Ordinal))
                {
                    fromApiKey = true;
                }
                else if (string.Equals(claim.Type, options.GroupClaimType, StringComparison.Ordinal) && claim.Value.Length > 0)
                {
                    groups ??= [];
                    if (!groups.Contains(claim.Value, StringComparer.Ordinal))
                    {
                        groups.Add(claim.Value);
                    }
                }
            }
        }

        if (!authenticated)
        {
            failure = "The caller is not signed in.";
            return false;
        }

        if (string.IsNullOrEmpty(name))
        {
            failure = $"The signed-in caller carries no '{options.NameClaimType}' claim naming the user.";
            return false;
        }

        if (name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            failure = $"The signed-in caller's '{options.NameClaimType}' claim is not a valid user name.";
            return false;
        }

        if (groups is { Count: > MaxGroups })
        {
            failure = $"The signed-in caller carries more than {MaxGroups} '{options.GroupClaimType}' claims.";
            return false;
        }

        user = new MaasUser(name, groups is null ? [] : groups) { FromApiKey = fromApiKey };
        failure = null;
        return true;
    }
}
