namespace Maas.Errors;

/// <summary>
/// A credential cannot be issued because what it would be bound to belongs to another user (a
/// Kubernetes service account made for someone else), or cannot be changed in its state (rotating
/// a revoked, expired or already rotated key). Hosts answer 409; the message names the
/// object, never the other user.
/// </summary>
public sealed class CredentialConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CredentialConflictException()
        : base("The credential's account belongs to another user.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CredentialConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public CredentialConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
