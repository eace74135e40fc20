namespace Maas.Kubernetes.Models;

/// <summary>The annotations on an <c>LLMInferenceService</c> Maas reads: the Go maas-api's keys, so one manifest serves both.</summary>
internal static class LlmInferenceServiceAnnotations
{
    public const string DisplayName = "openshift.io/display-name";
    public const string Description = "openshift.io/description";
    public const string GenAIUseCase = "opendatahub.io/genai-use-case";

    /// <summary>A JSON list of the tiers that may use the model; absent or empty means every tier.</summary>
    public const string Tiers = "alpha.maas.opendatahub.io/tiers";
}
