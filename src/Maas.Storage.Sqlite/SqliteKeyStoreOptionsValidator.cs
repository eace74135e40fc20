using Microsoft.Extensions.Options;

namespace Maas.Storage.Sqlite;

/// <summary>Refuses <c>disk</c> store options that cannot work at start, naming the setting (<c>Maas:Storage:Sqlite:...</c>).</summary>
internal sealed class SqliteKeyStoreOptionsValidator : IValidateOptions<SqliteKeyStoreOptions>
{
    /// <summary>The configuration section the options bind from in a host.</summary>
    public const string SectionName = "Maas:Storage:Sqlite";

    private static readonly SqliteKeyStoreOptionsAnnotations s_annotations = new();

    public ValidateOptionsResult Validate(string? name, SqliteKeyStoreOptions options)
    {
        // The generated validator names the member ("BusyTimeout: The field ... must be between ..."); the
        // section makes it the setting's full name. Its [Range] ignores ErrorMessage (dotnet/runtime#123137).
        var result = s_annotations.Validate(name, options);
        return result.Failed
            ? ValidateOptionsResult.Fail(result.Failures.Select(f => SectionName + ":" + f))
            : ValidateOptionsResult.Success;
    }
}
