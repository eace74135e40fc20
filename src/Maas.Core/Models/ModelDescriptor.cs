namespace Maas.Models;

/// <summary>A model served by the platform, as the catalog describes it.</summary>
public sealed class ModelDescriptor
{
    /// <summary>Gets or sets the model id callers put in their requests.</summary>
    public string Id { get; set; } = "";

    /// <summary>Gets or sets who owns the model, for example its namespace.</summary>
    public string OwnedBy { get; set; } = "";

    /// <summary>Gets or sets when the model was created, in Unix seconds.</summary>
    public long Created { get; set; }

    /// <summary>
    /// Gets or sets the public URL the model is served at, as <c>GET /v1/models</c> shows it; a
    /// path-only URL (for example <c>/llm/my-model</c>) is shown against the address the caller used.
    /// </summary>
    public Uri? Url { get; set; }

    /// <summary>
    /// Gets or sets where the Maas gateway forwards the model's calls (its OpenAI-compatible server,
    /// without <c>/v1</c>); a path-only address is resolved against the address the host listens on.
    /// <see langword="null"/> when the gateway does not serve the model.
    /// </summary>
    public Uri? Upstream { get; set; }

    /// <summary>
    /// Gets or sets the largest <c>max_tokens</c> (or <c>max_completion_tokens</c>) a call to the
    /// model may ask for; the Maas gateway answers a larger one with 400, as OpenAI answers a value
    /// beyond a model's limit. <see langword="null"/> takes the gateway's own bound
    /// (<c>Maas:Gateway:Forwarding:MaxTokens</c>).
    /// </summary>
    public int? MaxTokens { get; set; }

    /// <summary>Gets or sets whether the model is ready to serve requests.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Ready { get; set; } = true;

    /// <summary>Gets or sets descriptive details shown to users.</summary>
    public ModelDetails? Details { get; set; }

    /// <summary>Gets the names of the tiers that may use the model; empty means every tier.</summary>
    public IList<string> Tiers { get; init; } = [];
}
