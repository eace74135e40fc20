namespace Maas.SelfService.OneTimeForms;

/// <summary>What <see cref="OneTimeFormTokens.TryConsume"/> found.</summary>
internal enum OneTimeFormCheck
{
    /// <summary>The token is this replica's to honour, once: it is consumed now.</summary>
    Accepted,

    /// <summary>The token was consumed already: a reload or a second click of the same form.</summary>
    Replayed,

    /// <summary>The token is past its lifetime: the form was left open too long.</summary>
    Expired,

    /// <summary>No token, one this host did not issue, or one issued to someone else.</summary>
    Invalid,

    /// <summary>As many tokens are consumed and not yet expired as the set holds: refused rather than forgotten.</summary>
    Full,
}
