namespace Maas.Hosting.CommandLine;

/// <summary>
/// The Go <c>maas-api</c>'s command line, for a host that keeps it (its deployments set those flags and
/// variables): Go's <c>flag</c> package syntax over environment variables, a wrong word or value one line naming it.
/// </summary>
public static class GoFlags
{
    /// <summary>
    /// Reads Go-style flags (<c>-flag value</c>, <c>--flag=value</c>, bare booleans, <c>--</c> ending them) over
    /// the environment, then applies each setting's value in the order of <paramref name="flags"/> (so a
    /// setting may depend on one read before it): a flag wins over its variable, a later flag over an earlier
    /// one, an empty variable is unset. Nothing is applied when the command line is wrong.
    /// </summary>
    /// <typeparam name="TSettings">What the values are applied to.</typeparam>
    /// <param name="settings">The settings the values are applied to.</param>
    /// <param name="flags">Every setting, in the order their values are applied.</param>
    /// <param name="args">The command line, without the program's name.</param>
    /// <param name="environment">Reads an environment variable (<see cref="Environment.GetEnvironmentVariable(string)"/>, or a test's).</param>
    /// <exception cref="GoFlagException">A word is not a flag, a flag is not defined, or a flag lacks its value (Go's messages).</exception>
    public static void Apply<TSettings>(TSettings settings, IReadOnlyList<GoFlag<TSettings>> flags, IReadOnlyList<string> args, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(flags);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        var values = new Dictionary<GoFlag<TSettings>, GoFlagValue>();
        foreach (var flag in flags)
        {
            if (environment(flag.Variable) is { Length: > 0 } fromEnvironment)
            {
                values[flag] = new(fromEnvironment, flag.Variable);
            }
        }

        var byName = flags.Where(f => f.Name is not null).ToDictionary(f => f.Name!, StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                break;
            }

            if (!arg.StartsWith('-') || arg == "-")
            {
                throw new GoFlagException($"unexpected argument \"{arg}\": flags look like --name=value");
            }

            var body = arg.TrimStart('-');
            var equals = body.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? body : body[..equals];
            if (!byName.TryGetValue(name, out var flag))
            {
                throw new GoFlagException($"flag provided but not defined: -{name}");
            }

            string value;
            if (equals >= 0)
            {
                value = body[(equals + 1)..];
            }
            else if (flag.IsBoolean)
            {
                value = "true";
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new GoFlagException($"flag needs an argument: -{name}");
            }

            values[flag] = new(value, "--" + name);
        }

        foreach (var flag in flags)
        {
            if (values.TryGetValue(flag, out var value))
            {
                flag.Apply(settings, value);
            }
        }
    }
}
