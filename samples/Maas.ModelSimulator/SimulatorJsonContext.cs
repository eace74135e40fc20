using System.Text.Json.Serialization;

namespace Maas.ModelSimulator;

/// <summary>Source-generated (de)serialization for the simulator's requests, errors and model list.</summary>
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(OpenAIErrorResponse))]
[JsonSerializable(typeof(ModelList))]
internal sealed partial class SimulatorJsonContext : JsonSerializerContext;
