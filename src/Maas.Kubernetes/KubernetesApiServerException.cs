namespace Maas.Kubernetes;

/// <summary>
/// The Kubernetes API server is not configured, cannot be reached or refuses Maas at start
/// (<see cref="KubernetesApiServer"/>); the message is one line naming it and why, never a token.
/// </summary>
public sealed class KubernetesApiServerException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="KubernetesApiServerException"/> class.</summary>
    public KubernetesApiServerException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="KubernetesApiServerException"/> class.</summary>
    /// <param name="message">What is wrong, on one line.</param>
    public KubernetesApiServerException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="KubernetesApiServerException"/> class.</summary>
    /// <param name="message">What is wrong, on one line.</param>
    /// <param name="innerException">The failure.</param>
    public KubernetesApiServerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
