using Microsoft.Extensions.Options;

namespace Maas.Storage.PostgreSql;

/// <summary>Evaluates the annotations of <see cref="PostgreSqlStorageOptions"/> at start (generated at build time).</summary>
[OptionsValidator]
internal sealed partial class PostgreSqlStorageOptionsAnnotations : IValidateOptions<PostgreSqlStorageOptions>;
