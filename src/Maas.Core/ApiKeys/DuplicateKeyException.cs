namespace Maas.ApiKeys;

/// <summary>Thrown by <see cref="IKeyStore.AddAsync"/> when a key with the same id or hash already exists.</summary>
public sealed class DuplicateKeyException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DuplicateKeyException()
        : base("An API key with the same id or hash already exists.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public DuplicateKeyException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the store's own error.</summary>
    public DuplicateKeyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
