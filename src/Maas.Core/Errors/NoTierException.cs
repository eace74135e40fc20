namespace Maas.Errors;

/// <summary>The user's groups match no tier, so they may not obtain credentials. Hosts answer 403.</summary>
public sealed class NoTierException : Exception
{
    /// <summary>Creates the exception for a user.</summary>
    public NoTierException(string userName)
        : base($"User '{userName}' belongs to no group of any tier, so no tier applies.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public NoTierException()
        : base("No tier applies to the user.")
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public NoTierException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
