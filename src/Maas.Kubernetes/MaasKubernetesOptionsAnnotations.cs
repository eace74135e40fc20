using Microsoft.Extensions.Options;

namespace Maas.Kubernetes;

/// <summary>Evaluates the annotations of <see cref="MaasKubernetesOptions"/> (generated at build time, no reflection).</summary>
[OptionsValidator]
internal sealed partial class MaasKubernetesOptionsAnnotations : IValidateOptions<MaasKubernetesOptions>;
