using System.ComponentModel;
using System.Globalization;

namespace Maas.Durations;

/// <summary>Lets configuration bind Go duration strings (<c>24h</c>, <c>2m</c>) to <see cref="GoDuration"/>.</summary>
public sealed class GoDurationTypeConverter : TypeConverter
{
    /// <inheritdoc />
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    /// <inheritdoc />
    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text ? GoDuration.Parse(text.Trim()) : base.ConvertFrom(context, culture, value);

    /// <inheritdoc />
    public override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType) =>
        destinationType == typeof(string) && value is GoDuration duration
            ? duration.ToString()
            : base.ConvertTo(context, culture, value, destinationType);
}
