using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc.Rendering;

namespace Maas.SelfService.Pages;

/// <summary>
/// Why a form was refused and which field it names ("" for the form as a whole): the error is shown
/// right after its field, which points at it with <c>aria-describedby</c> and says <c>aria-invalid</c>.
/// </summary>
internal sealed class FormRefusal
{
    public string? Message { get; private set; }

    public string? Field { get; private set; }

    public bool IsRefused => Message is not null;

    public void Refuse(string field, string message)
    {
        Field = field;
        Message = message;
    }

    /// <summary>Tells whether the refused input names <paramref name="field"/>.</summary>
    public bool IsInvalid(string field) => Message is not null && string.Equals(Field, field, StringComparison.Ordinal);

    /// <summary>The <c>aria-describedby</c> of <paramref name="field"/>: its error (when refused) and its hint.</summary>
    public string? Described(string field, string errorId, string? hintId = null) =>
        IsInvalid(field) ? (hintId is null ? errorId : errorId + " " + hintId) : hintId;

    /// <summary>The <c>aria-invalid</c> of <paramref name="field"/>.</summary>
    public string? Invalid(string field) => IsInvalid(field) ? "true" : null;

    /// <summary>The error of <paramref name="field"/> as a paragraph with <paramref name="id"/>, or nothing.</summary>
    public IHtmlContent ErrorFor(string field, string id)
    {
        if (!IsInvalid(field))
        {
            return HtmlString.Empty;
        }

        var paragraph = new TagBuilder("p");
        paragraph.Attributes["id"] = id;
        paragraph.AddCssClass("error-text");
        paragraph.Attributes["role"] = "alert";
        paragraph.InnerHtml.Append(Message!);
        return paragraph;
    }
}
