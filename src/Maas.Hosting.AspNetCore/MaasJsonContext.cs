using System.Text.Json.Serialization;
using Maas.Hosting.ApiKeys;
using Maas.Hosting.Auditing;
using Maas.Hosting.Discovery;
using Maas.Hosting.Errors;
using Maas.Hosting.Health;
using Maas.Hosting.Introspection;
using Maas.Hosting.Models;
using Maas.Hosting.Tiers;
using Maas.Hosting.Tokens;
using Maas.Hosting.Usage;

namespace Maas.Hosting;

/// <summary>Source-generated serialization for every wire contract: no reflection, trimming-safe, fast.</summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    AllowTrailingCommas = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(ApiKeyCreateRequest))]
[JsonSerializable(typeof(ApiKeyCreatedResponse))]
[JsonSerializable(typeof(ApiKeyMetadata))]
[JsonSerializable(typeof(IReadOnlyList<ApiKeyMetadata>))]
[JsonSerializable(typeof(ApiKeySearchBody))]
[JsonSerializable(typeof(ApiKeySearchResponse))]
[JsonSerializable(typeof(BulkRevokeBody))]
[JsonSerializable(typeof(BulkRevokeResponse))]
[JsonSerializable(typeof(ApiKeyConfigResponse))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(TierLookupRequest))]
[JsonSerializable(typeof(TierLookupResponse))]
[JsonSerializable(typeof(JsonWebKeySetDocument))]
[JsonSerializable(typeof(DiscoveryDocument))]
[JsonSerializable(typeof(OpenAiErrorResponse))]
[JsonSerializable(typeof(MaasProblem))]
[JsonSerializable(typeof(IntrospectionResponse))]
[JsonSerializable(typeof(ApiKeyRotateRequest))]
[JsonSerializable(typeof(ApiKeyRotatedResponse))]
[JsonSerializable(typeof(AuditEntryList))]
[JsonSerializable(typeof(UsageHistoryResponse))]
[JsonSerializable(typeof(UsageReportResponse))]
[JsonSerializable(typeof(EphemeralCleanupResponse))]
[JsonSerializable(typeof(ApiKeyLimitsBody))]
internal sealed partial class MaasJsonContext : JsonSerializerContext;
