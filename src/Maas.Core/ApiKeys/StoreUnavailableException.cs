namespace Maas.ApiKeys;

/// <summary>
/// Thrown by a store when its backing service cannot be reached right now; hosts answer 503
/// with <c>Retry-After</c>. The message never contains connection secrets.
/// </summary>
public sealed class StoreUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StoreUnavailableException()
        : base("The key store is unavailable.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the cause.</summary>
    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// Gets the service that cannot be reached, as the 503 answer names it ("The key store is
    /// temporarily unavailable"); a store other than the key store, such as the Kubernetes API server, sets it.
    /// </summary>
    /// <value>The default is <c>key store</c>.</value>
    public string Service { get; init; } = "key store";
}
