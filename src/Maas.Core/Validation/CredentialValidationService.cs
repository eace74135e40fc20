using System.Diagnostics;
using Maas.Telemetry;

namespace Maas.Validation;

/// <summary>
/// Validates presented credentials (tokens and API keys) for every Maas surface: the sign-in
/// scheme, introspection and the gateway. Registered by <c>AddMaasCore</c> as a singleton.
/// </summary>
public sealed class CredentialValidationService
{
    private readonly CredentialValidator _validator;

    internal CredentialValidationService(CredentialValidator validator)
    {
        _validator = validator;
    }

    /// <summary>Validates a presented token or key: the user, tier and validity, or why it is refused.</summary>
    /// <remarks>
    /// Each validation is a <c>maas.validate</c> span (when something listens) tagged with the
    /// credential kind, the cache outcome and the result; never the credential.
    /// </remarks>
    /// <param name="credential">The token or key as presented.</param>
    /// <param name="cancellationToken">Cancels a store lookup.</param>
    /// <returns>The validation: the user and tier, or the failure.</returns>
    public ValueTask<CredentialValidation> ValidateAsync(string credential, CancellationToken cancellationToken = default)
    {
        var activity = MaasMetrics.ActivitySource.StartActivity("maas.validate");
        return activity is null ? _validator.ValidateAsync(credential, cancellationToken) : ValidateTracedAsync(activity, credential, cancellationToken);
    }

    private async ValueTask<CredentialValidation> ValidateTracedAsync(Activity activity, string credential, CancellationToken cancellationToken)
    {
        using (activity)
        {
            try
            {
                var validation = await _validator.ValidateAsync(credential, cancellationToken).ConfigureAwait(false);
                activity.SetTag("maas.validation.result", ValidationMetrics.OutcomeTag(validation.Failure));
                return validation;
            }
            catch (Exception ex)
            {
                activity.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
                throw;
            }
        }
    }
}
