namespace Maas.Hosting.Errors;

/// <summary>Marks an endpoint whose errors use OpenAI's shape rather than problem details.</summary>
internal sealed class OpenAiErrorsMetadata
{
    public static readonly OpenAiErrorsMetadata Instance = new();
}
