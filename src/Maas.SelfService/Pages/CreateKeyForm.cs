namespace Maas.SelfService.Pages;

/// <summary>What the create form posts.</summary>
internal sealed class CreateKeyForm
{
    public string? Name { get; set; }

    public string? Description { get; set; }

    public string? Expiration { get; set; }
}
