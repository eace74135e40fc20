using Maas.Administration;
using System.Globalization;
using Maas.Auditing;
using Maas.Errors;
using Maas.Hosting.Authentication;
using Maas.Hosting.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Maas.Hosting.Auditing;

/// <summary><c>GET /v1/audit</c>: the audit trail, for administrators.</summary>
internal static class AuditEndpoint
{
    public static async Task<Results<JsonHttpResult<AuditEntryList>, MaasError>> ListAsync(
        MaasCaller caller, Administrators administrators, AuditTrail audit, HttpRequest request, CancellationToken cancellationToken)
    {
        // Asked first, so someone who may not read the trail learns nothing from how a filter is judged.
        if (!administrators.Includes(caller.User))
        {
            const string message = "Only administrators may read the audit trail.";
            return MaasError.Create(StatusCodes.Status403Forbidden, caller.User.FromApiKey ? message + " " + AdministratorRequiredException.ApiKeyReason : message);
        }

        var query = AuditQueryReader.Read(request.Query);
        var page = await audit.ReadAsync(caller.User, query, cancellationToken).ConfigureAwait(false);
        var data = new AuditEntryResponse[page.Entries.Count];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = ToResponse(page.Entries[i]);
        }

        var list = new AuditEntryList
        {
            Data = data,
            HasMore = page.Next is not null,
            NextCursor = page.Next is { } next ? AuditCursor.Write(next) : null,
        };
        return TypedResults.Json(list, MaasJsonContext.Default.AuditEntryList);
    }

    internal static AuditEntryResponse ToResponse(AuditEntry entry) => new()
    {
        Id = entry.Sequence,
        At = entry.At.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'", CultureInfo.InvariantCulture),
        Action = AuditActionNames.ToName(entry.Action),
        Actor = entry.Actor,
        Subject = entry.Subject,
        KeyId = entry.KeyId,
        ReplacedKeyId = entry.ReplacedKeyId,
        Count = entry.Count,
        RequestId = entry.RequestId,
        ClientAddress = entry.ClientAddress,
        Detail = entry.Detail is { } detail ? Detail(detail) : null,
    };

    // A stored detail is the JSON the service wrote; one that does not parse is shown as text, never a 500.
    private static System.Text.Json.JsonElement Detail(string detail)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(detail);
            return document.RootElement.Clone();
        }
        catch (System.Text.Json.JsonException)
        {
            return System.Text.Json.JsonSerializer.SerializeToElement(detail, MaasJsonContext.Default.String);
        }
    }
}
