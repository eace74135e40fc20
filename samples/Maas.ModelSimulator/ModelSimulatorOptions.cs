namespace Maas.ModelSimulator;

/// <summary>
/// What the simulator serves and how fast it answers. Bound from the <c>Simulator</c> configuration
/// section when the simulator runs on its own; read once when the endpoints are mapped.
/// </summary>
public sealed class ModelSimulatorOptions
{
    /// <summary>The model ids the simulator serves; a request for any other model is answered 404 in OpenAI's error shape.</summary>
    /// <value>The default is <c>["facebook/opt-125m"]</c>, the original's simulated model.</value>
    public IList<string> Models { get; set; } = ["facebook/opt-125m"];

    /// <summary>Whether completions are random words or echo the prompt.</summary>
    /// <value>The default is <see cref="SimulatorMode.Random"/>.</value>
    public SimulatorMode Mode { get; set; } = SimulatorMode.Random;

    /// <summary>How long the model "thinks" before its first token (waited on the injected <see cref="TimeProvider"/>).</summary>
    /// <value>The default is zero: the first token comes at once, as benchmarks need.</value>
    public TimeSpan TimeToFirstToken { get; set; }

    /// <summary>How long the model takes for each token after the first (waited on the injected <see cref="TimeProvider"/>).</summary>
    /// <value>The default is zero.</value>
    public TimeSpan InterTokenLatency { get; set; }

    /// <summary>The token limit of a request that sets neither <c>max_tokens</c> nor <c>max_completion_tokens</c>.</summary>
    /// <value>The default is 16, OpenAI's default for <c>completions</c>.</value>
    public int DefaultMaxTokens { get; set; } = 16;

    /// <summary>The <c>owned_by</c> of every served model in <c>GET /v1/models</c>.</summary>
    /// <value>The default is <c>maas-simulator</c>; a host that puts the simulator behind a catalog sets the catalog's owner.</value>
    public string OwnedBy { get; set; } = "maas-simulator";

    /// <summary>The <c>created</c> (Unix seconds) of every served model in <c>GET /v1/models</c>.</summary>
    /// <value>The default is <see langword="null"/>: the time the simulator started.</value>
    public long? Created { get; set; }
}
