using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Maas.Hosting.CommandLine;

/// <summary>A setting's value and where it came from (<c>--flag</c> or the variable), which every error names.</summary>
public sealed class GoFlagValue
{
    /// <summary>Initializes a new instance of the <see cref="GoFlagValue"/> class.</summary>
    /// <param name="value">The value as given.</param>
    /// <param name="source">The flag (<c>--storage</c>) or variable (<c>STORAGE_MODE</c>) that gave it.</param>
    public GoFlagValue(string value, string source)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentException.ThrowIfNullOrEmpty(source);
        Value = value;
        Source = source;
    }

    /// <summary>Gets the value as given.</summary>
    public string Value { get; }

    /// <summary>Gets the flag (<c>--storage</c>) or variable (<c>STORAGE_MODE</c>) that gave the value.</summary>
    public string Source { get; }

    /// <summary>The value trimmed; an empty or blank value is an error.</summary>
    /// <returns>The trimmed value.</returns>
    /// <exception cref="GoFlagException">The value is empty or blank.</exception>
    public string NonEmpty() =>
        string.IsNullOrWhiteSpace(Value)
            ? throw new GoFlagException($"{Source} must not be empty")
            : Value.Trim();

    /// <summary>The value read as Go's <c>strconv.ParseBool</c> does: <c>1 t T true TRUE True</c>, <c>0 f F false FALSE False</c>.</summary>
    /// <returns>The boolean.</returns>
    /// <exception cref="GoFlagException">The value is none of those.</exception>
    public bool Boolean() => Value.Trim() switch
    {
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        _ => throw new GoFlagException($"invalid boolean value \"{Value}\" for {Source}"),
    };

    /// <summary>One of <paramref name="choices"/>, case-insensitive, in lower case; the error lists them (<c>use a, b or c</c>).</summary>
    /// <param name="choices">The values allowed, in lower case.</param>
    /// <returns>The choice, in lower case.</returns>
    /// <exception cref="GoFlagException">The value is none of them.</exception>
    public string OneOf(params string[] choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        ArgumentOutOfRangeException.ThrowIfZero(choices.Length);
        var choice = Value.Trim().ToLowerInvariant();
        return choices.Contains(choice, StringComparer.Ordinal)
            ? choice
            : throw new GoFlagException($"invalid value \"{Value}\" for {Source}: use {string.Join(", ", choices[..^1])} or {choices[^1]}");
    }

    /// <summary>A whole number of decimal digits only (no sign, no separators) that fits an <see cref="int"/>.</summary>
    /// <param name="allowZero">Whether 0 is allowed.</param>
    /// <returns>The number.</returns>
    /// <exception cref="GoFlagException">The value is not such a number, or is 0 where that is not allowed.</exception>
    public int WholeNumber(bool allowZero) =>
        !int.TryParse(Value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || (!allowZero && number == 0)
            ? throw new GoFlagException($"invalid value \"{Value}\" for {Source}: expected a {(allowZero ? "non-negative" : "positive")} whole number")
            : number;

    /// <summary>
    /// The value read as a Go listen address: <c>:8080</c> (every interface), <c>127.0.0.1:8080</c>,
    /// <c>[::1]:8080</c> (an IPv6 address only in brackets) or <c>localhost:8080</c> (loopback); port 0 to 65535.
    /// </summary>
    /// <returns>The address to listen on.</returns>
    /// <exception cref="GoFlagException">The value is not such an address.</exception>
    public IPEndPoint ListenAddress()
    {
        var value = Value.Trim();
        var colon = value.LastIndexOf(':');
        if (colon < 0)
        {
            throw new GoFlagException($"invalid value \"{Value}\" for {Source}: expected host:port, for example :8080 or 127.0.0.1:8080");
        }

        var hostPart = value[..colon];
        var portPart = value[(colon + 1)..];
        if (!int.TryParse(portPart, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new GoFlagException($"invalid value \"{Value}\" for {Source}: port \"{portPart}\" is not a number from 0 to 65535");
        }

        if (hostPart.Length == 0)
        {
            return new IPEndPoint(IPAddress.Any, port);
        }

        if (hostPart.StartsWith('[') && hostPart.EndsWith(']'))
        {
            hostPart = hostPart[1..^1];
        }

        if (hostPart.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        if (!IPAddress.TryParse(hostPart, out var ip) || (ip.AddressFamily == AddressFamily.InterNetworkV6 && !Value.Contains('[', StringComparison.Ordinal)))
        {
            throw new GoFlagException($"invalid value \"{Value}\" for {Source}: \"{hostPart}\" is not an IP address (use an address, [v6-address] or localhost)");
        }

        return new IPEndPoint(ip, port);
    }
}
