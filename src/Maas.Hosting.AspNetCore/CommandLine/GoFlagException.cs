namespace Maas.Hosting.CommandLine;

/// <summary>A flag or environment variable has a wrong value, or the command line a wrong word; the message is one line naming it.</summary>
public sealed class GoFlagException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="GoFlagException"/> class.</summary>
    public GoFlagException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="GoFlagException"/> class.</summary>
    /// <param name="message">The one line naming the flag or variable and what is wrong.</param>
    public GoFlagException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="GoFlagException"/> class.</summary>
    /// <param name="message">The one line naming the flag or variable and what is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public GoFlagException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
