namespace Maas.ModelSimulator;

/// <summary>
/// The answer's text one token at a time, each piece with the whitespace before it, so the pieces joined are
/// the whole answer. Echoed pieces are slices of the prompt and random ones are shared strings: no piece allocates.
/// </summary>
internal struct CompletionPieces(string? echoText, int count)
{
    private int _produced;
    private int _position;

    public bool MoveNext(out ReadOnlyMemory<char> piece)
    {
        if (_produced == count)
        {
            piece = default;
            return false;
        }

        var first = _produced == 0;
        _produced++;
        if (echoText is null)
        {
            piece = RandomWords.Next(first).AsMemory();
            return true;
        }

        var from = _position;
        WordTokenizer.TryNext(echoText, ref _position, out var start, out var end);
        piece = first ? echoText.AsMemory(start, end - start) : echoText.AsMemory(from, end - from);
        return true;
    }
}
