namespace Maas.Validation;

/// <summary>The store does not know this (well-formed) key, as of a moment ago.</summary>
internal sealed class UnknownApiKey(DateTimeOffset until)
{
    public DateTimeOffset Until { get; } = until;
}
