using Microsoft.Extensions.Options;

namespace Maas.Hosting.Throttling;

/// <summary>Evaluates the annotations of <see cref="MaasAuthenticationThrottleOptions"/> (generated at build time, no reflection).</summary>
[OptionsValidator]
internal sealed partial class MaasAuthenticationThrottleOptionsAnnotations : IValidateOptions<MaasAuthenticationThrottleOptions>;
