namespace Maas.Errors;

/// <summary>
/// A request asked for something the policy does not allow (a lifetime out of bounds, a missing
/// name). Hosts answer 400 naming <see cref="Field"/>. The message never contains a secret.
/// </summary>
public sealed class InvalidRequestException : Exception
{
    /// <summary>Creates the exception for <paramref name="field"/>.</summary>
    public InvalidRequestException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    /// <summary>Creates the exception for <paramref name="field"/> with a machine-readable <paramref name="code"/>, such as <c>invalid_subscription</c>.</summary>
    public InvalidRequestException(string field, string message, string code)
        : this(field, message)
    {
        Code = code;
    }

    /// <summary>Creates the exception.</summary>
    public InvalidRequestException()
        : this("", "The request is invalid.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public InvalidRequestException(string message)
        : this("", message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public InvalidRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "";
    }

    /// <summary>Gets the name of the request field at fault, as it appears on the wire.</summary>
    public string Field { get; }

    /// <summary>Gets the machine-readable code hosts answer with (the later Go service's, such as <c>invalid_subscription</c>), or <see langword="null"/> for none.</summary>
    public string? Code { get; }
}
