namespace Maas.SelfService.Pages;

/// <summary>What the create form posts.</summary>
internal sealed class CreateKeyForm
{
    public string? Name { get; set; }

    public string? Description { get; set; }

    public string? Expiration { get; set; }

    /// <summary>The tier the key draws on, when the caller is entitled to several; empty for their highest.</summary>
    public string? Subscription { get; set; }

    /// <summary>The one-time token the form was shown with: a second submission of the same form makes no second key.</summary>
    public string? FormToken { get; set; }
}
