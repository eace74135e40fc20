using System.Text.Json.Serialization.Metadata;

namespace Maas.Hosting.Requests;

/// <summary>A JSON request body contract that <see cref="JsonRequest{T}"/> binds.</summary>
internal interface IJsonRequestContract<TSelf>
    where TSelf : class, IJsonRequestContract<TSelf>
{
    /// <summary>Gets the source-generated metadata the body is read with.</summary>
    static abstract JsonTypeInfo<TSelf> JsonTypeInfo { get; }

    /// <summary>Gets a value indicating whether an empty body is allowed (the value is then <see langword="null"/>).</summary>
    static virtual bool BodyIsOptional => false;

    /// <summary>Gets the <c>error</c> code of a 400 for this body (the tier lookup's contract has one), or <see langword="null"/>.</summary>
    static virtual string? BadRequestCode => null;
}
