namespace Maas.Errors;

/// <summary>
/// The caller is known but may not do this (an administrator's action, such as reading the audit
/// trail). Hosts answer 403; the message says what is needed, never who else is involved.
/// </summary>
public sealed class AccessDeniedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AccessDeniedException()
        : base("Only administrators may do this.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public AccessDeniedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public AccessDeniedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
