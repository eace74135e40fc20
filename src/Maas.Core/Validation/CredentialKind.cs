namespace Maas.Validation;

/// <summary>The kind of credential presented.</summary>
public enum CredentialKind
{
    /// <summary>Not recognised as either kind.</summary>
    Unknown,

    /// <summary>An ephemeral token (a JWT issued here).</summary>
    Token,

    /// <summary>A named, stored API key.</summary>
    ApiKey,
}
