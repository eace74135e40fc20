using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Maas.Hosting.Responses;

/// <summary>Creates the JSON answers of the Maas endpoints (see <see cref="JsonAnswer{T}"/>).</summary>
internal static class Answer
{
    public static JsonAnswer<T> Json<T>(T value, JsonTypeInfo<T> typeInfo, string? contentType = null, int? statusCode = null) =>
        new(value, typeInfo, statusCode ?? StatusCodes.Status200OK, contentType ?? "application/json; charset=utf-8");
}
