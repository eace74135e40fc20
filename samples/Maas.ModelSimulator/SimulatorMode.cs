namespace Maas.ModelSimulator;

/// <summary>What the simulated model answers with.</summary>
public enum SimulatorMode
{
    /// <summary>Random words, as many as the request's token limit allows (the finish reason is <c>length</c>).</summary>
    Random,

    /// <summary>The prompt's own text: the last user message of a chat, or the completion's <c>prompt</c>, cut at the token limit.</summary>
    Echo,
}
