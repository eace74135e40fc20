using Maas.Hosting.Errors;
namespace Maas.Hosting.Requests;

/// <summary>
/// A handler argument whose binding can fail with a Maas answer (<c>BindAsync</c> cannot write one);
/// <see cref="MaasErrorFilter"/> answers with <see cref="Failure"/> before the handler runs.
/// </summary>
internal interface IBindingFailure
{
    /// <summary>Gets the answer when binding failed, else <see langword="null"/>.</summary>
    MaasError? Failure { get; }
}
