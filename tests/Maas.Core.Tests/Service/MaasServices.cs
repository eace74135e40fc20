using Maas.Administration;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Revocation;
using Maas.Tokens;
using Maas.Validation;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Core.Tests.Service;

/// <summary>The services by aggregate a test drives, from one container (or built by hand), and the clock they read.</summary>
internal sealed class MaasServices
{
    public required TokenService Tokens { get; init; }

    public required ApiKeyService ApiKeys { get; init; }

    public required KeyAdministrationService Administration { get; init; }

    public required RevocationService Revocation { get; init; }

    public required AuditTrail Audit { get; init; }

    public required CredentialValidationService Credentials { get; init; }

    public required Administrators Administrators { get; init; }

    public required TimeProvider Time { get; init; }

    public DateTimeOffset Now => Time.GetUtcNow();

    public static MaasServices From(IServiceProvider services) => new()
    {
        Tokens = services.GetRequiredService<TokenService>(),
        ApiKeys = services.GetRequiredService<ApiKeyService>(),
        Administration = services.GetRequiredService<KeyAdministrationService>(),
        Revocation = services.GetRequiredService<RevocationService>(),
        Audit = services.GetRequiredService<AuditTrail>(),
        Credentials = services.GetRequiredService<CredentialValidationService>(),
        Administrators = services.GetRequiredService<Administrators>(),
        Time = services.GetRequiredService<TimeProvider>(),
    };
}
