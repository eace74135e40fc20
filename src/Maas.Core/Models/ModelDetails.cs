namespace Maas.Models;

/// <summary>Human-facing details of a model.</summary>
public sealed class ModelDetails
{
    /// <summary>Gets or sets the display name.</summary>
    public string? DisplayName { get; set; }

    /// <summary>Gets or sets a description.</summary>
    public string? Description { get; set; }

    /// <summary>Gets or sets what the model is for, for example <c>chat</c>.</summary>
    public string? GenAIUse { get; set; }
}
