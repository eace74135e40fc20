using Microsoft.Extensions.Options;

namespace Maas.Validation;

/// <summary>Evaluates the annotations of <see cref="ValidationOptions"/> (generated at build time, no reflection).</summary>
[OptionsValidator]
internal sealed partial class ValidationOptionsAnnotations : IValidateOptions<ValidationOptions>;
