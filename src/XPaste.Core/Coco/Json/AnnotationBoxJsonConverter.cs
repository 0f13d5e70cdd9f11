using System.Text.Json;
using System.Text.Json.Serialization;
using XPaste.Masks;

namespace XPaste.Coco.Json;

/// <summary>
/// Reads an annotation's <c>bbox</c> without failing the whole file: a value that is not 4 numbers becomes a box of
/// NaNs, which the loader reports against the annotation's id (or skips, as the caller asked).
/// </summary>
internal sealed class AnnotationBoxJsonConverter : JsonConverter<CocoBox?>
{
    /// <summary>The box that stands for a malformed <c>bbox</c>.</summary>
    public static CocoBox Malformed { get; } = new(double.NaN, double.NaN, double.NaN, double.NaN);

    public override CocoBox? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return Malformed;
        }

        Span<double> values = stackalloc double[4];
        int count = 0;
        bool ok = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || count == 4 || !reader.TryGetDouble(out values[count]))
            {
                ok = false;
                reader.Skip();
                continue;
            }

            count++;
        }

        return ok && count == 4 ? new CocoBox(values[0], values[1], values[2], values[3]) : Malformed;
    }

    public override void Write(Utf8JsonWriter writer, CocoBox? value, JsonSerializerOptions options)
    {
        if (value is not { } box)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartArray();
        writer.WriteNumberValue(box.X);
        writer.WriteNumberValue(box.Y);
        writer.WriteNumberValue(box.Width);
        writer.WriteNumberValue(box.Height);
        writer.WriteEndArray();
    }
}
