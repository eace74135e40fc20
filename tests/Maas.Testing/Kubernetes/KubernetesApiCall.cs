namespace Maas.Testing.Kubernetes;

/// <summary>One request the fake API server received, in RBAC's vocabulary (verb, group, resource, subresource).</summary>
/// <param name="Verb">The RBAC verb: <c>get</c>, <c>list</c>, <c>watch</c>, <c>create</c>, <c>update</c>, <c>patch</c> or <c>delete</c>.</param>
/// <param name="Group">The API group; empty for the core group.</param>
/// <param name="Resource">The resource, for example <c>serviceaccounts</c>.</param>
/// <param name="Subresource">The subresource, for example <c>token</c>, or <see langword="null"/>.</param>
/// <param name="Namespace">The namespace in the path, or <see langword="null"/>.</param>
/// <param name="Name">The object name in the path, or <see langword="null"/>.</param>
public sealed record KubernetesApiCall(string Verb, string Group, string Resource, string? Subresource, string? Namespace, string? Name)
{
    /// <summary>Gets the resource as RBAC rules name it, with its subresource (<c>serviceaccounts/token</c>).</summary>
    public string RbacResource => Subresource is null ? Resource : $"{Resource}/{Subresource}";
}
