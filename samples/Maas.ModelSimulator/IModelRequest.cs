namespace Maas.ModelSimulator;

/// <summary>A request body that names the model it is for, as every OpenAI model call does.</summary>
internal interface IModelRequest
{
    /// <summary>Gets the <c>model</c> the body names.</summary>
    string? Model { get; }
}
