namespace Maas.ModelSimulator.Tests;

public sealed class WordTokenizerTests
{
    [Theory]
    [InlineData("", 0)]
    [InlineData("   \n\t ", 0)]
    [InlineData("Hello, world!", 4)]
    [InlineData("Not really understood prompt", 4)]
    [InlineData("don't", 3)]
    [InlineData("gpt4o costs 2.50", 5)]
    [InlineData("naïve café", 2)]
    [InlineData("a😀b", 3)]
    [InlineData("  leading and trailing  ", 3)]
    public void Counts_runs_of_letters_and_digits_and_single_other_characters(string text, int tokens) =>
        Assert.Equal(tokens, WordTokenizer.Count(text));

    [Fact]
    public void Echoed_pieces_join_to_a_prefix_of_the_text_with_as_many_tokens_as_pieces()
    {
        const string text = "  First, the gateway checks; then it counts tokens.";
        var pieces = new CompletionPieces(text, 5);
        var joined = string.Empty;
        var count = 0;
        while (pieces.MoveNext(out var piece))
        {
            joined += piece.ToString();
            count++;
        }

        Assert.Equal(5, count);
        Assert.Equal("First, the gateway checks", joined);
        Assert.Equal(5, WordTokenizer.Count(joined));
    }
}
