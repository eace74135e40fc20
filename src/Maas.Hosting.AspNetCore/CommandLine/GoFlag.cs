namespace Maas.Hosting.CommandLine;

/// <summary>
/// A setting of a host that keeps the Go <c>maas-api</c>'s command line: its flag, its environment
/// variable, and what its value sets on <typeparamref name="TSettings"/>. Read by <see cref="GoFlags.Apply"/>.
/// </summary>
/// <typeparam name="TSettings">What the values are applied to.</typeparam>
public sealed class GoFlag<TSettings>
{
    /// <summary>Initializes a new instance of the <see cref="GoFlag{TSettings}"/> class.</summary>
    /// <param name="name">The flag without dashes (<c>storage</c> for <c>--storage</c>), or null for a setting read only from its variable.</param>
    /// <param name="variable">The environment variable (<c>STORAGE_MODE</c>); the flag wins over it.</param>
    /// <param name="apply">Applies a value; throws <see cref="GoFlagException"/> (or the host's own exception) naming <see cref="GoFlagValue.Source"/>.</param>
    /// <param name="isBoolean">Whether the flag may stand alone (<c>--debug</c> means <c>--debug=true</c>), as Go's boolean flags do.</param>
    public GoFlag(string? name, string variable, Action<TSettings, GoFlagValue> apply, bool isBoolean = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(variable);
        ArgumentNullException.ThrowIfNull(apply);
        Name = name;
        Variable = variable;
        Apply = apply;
        IsBoolean = isBoolean;
    }

    /// <summary>Gets the flag without dashes, or null for a setting read only from its variable.</summary>
    public string? Name { get; }

    /// <summary>Gets the environment variable of the setting.</summary>
    public string Variable { get; }

    /// <summary>Gets a value indicating whether the flag may stand alone, meaning <c>true</c>.</summary>
    public bool IsBoolean { get; }

    /// <summary>Gets what a value sets.</summary>
    public Action<TSettings, GoFlagValue> Apply { get; }
}
