using Microsoft.Extensions.Options;

namespace Maas.Storage.Sqlite;

/// <summary>Evaluates the annotations of <see cref="SqliteKeyStoreOptions"/> (generated at build time, no reflection).</summary>
[OptionsValidator]
internal sealed partial class SqliteKeyStoreOptionsAnnotations : IValidateOptions<SqliteKeyStoreOptions>;
