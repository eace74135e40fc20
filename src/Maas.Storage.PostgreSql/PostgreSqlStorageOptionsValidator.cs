using Microsoft.Extensions.Options;

namespace Maas.Storage.PostgreSql;

/// <summary>
/// Refuses <c>external</c> store options that cannot work at start, naming the setting
/// (<c>Maas:Storage:PostgreSql:...</c>): the annotations of <see cref="PostgreSqlStorageOptions"/>,
/// and a database URL or connection string that cannot be read (naming the part at fault, never a
/// value: it may hold the password).
/// </summary>
internal sealed class PostgreSqlStorageOptionsValidator : IValidateOptions<PostgreSqlStorageOptions>
{
    /// <summary>The configuration section the options bind from in a host.</summary>
    public const string SectionName = "Maas:Storage:PostgreSql";

    private static readonly PostgreSqlStorageOptionsAnnotations s_annotations = new();

    public ValidateOptionsResult Validate(string? name, PostgreSqlStorageOptions options)
    {
        // The generated validator names the member ("ListenerPingTimeout: The field ... must be between ...");
        // the section makes it the setting's full name. Its [Range] ignores ErrorMessage (dotnet/runtime#123137).
        var failures = (s_annotations.Validate(name, options).Failures ?? []).Select(f => SectionName + ":" + f).ToList();
        if (!string.IsNullOrWhiteSpace(options.ConnectionUrl))
        {
            try
            {
                _ = PostgreSqlConnectionUrl.ToConnectionString(options.ConnectionUrl);
            }
            catch (ArgumentException ex)
            {
                failures.Add(SectionName + ":ConnectionUrl: " + ex.Message);
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
