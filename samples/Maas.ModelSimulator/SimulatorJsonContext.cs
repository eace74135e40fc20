using System.Text.Json.Serialization;

namespace Maas.ModelSimulator;

/// <summary>Source-generated (de)serialization for the simulator's requests, errors and models.</summary>
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(OpenAIErrorResponse))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(EmbeddingRequest))]
internal sealed partial class SimulatorJsonContext : JsonSerializerContext;
