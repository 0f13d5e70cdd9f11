using System.Text.Json;
using System.Text.Json.Serialization;

namespace XPaste.Masks;

/// <summary>Reads and writes a <see cref="CocoBox"/> as COCO's <c>[x, y, w, h]</c>.</summary>
internal sealed class CocoBoxJsonConverter : JsonConverter<CocoBox>
{
    public override CocoBox Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("bbox must be an array of 4 numbers [x, y, w, h]");
        }

        Span<double> values = stackalloc double[4];
        int count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || count == 4)
            {
                throw new JsonException("bbox must be an array of 4 numbers [x, y, w, h]");
            }

            values[count++] = reader.GetDouble();
        }

        if (count != 4)
        {
            throw new JsonException($"bbox must be an array of 4 numbers [x, y, w, h], got {count}");
        }

        return new CocoBox(values[0], values[1], values[2], values[3]);
    }

    public override void Write(Utf8JsonWriter writer, CocoBox value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteNumberValue(value.X);
        writer.WriteNumberValue(value.Y);
        writer.WriteNumberValue(value.Width);
        writer.WriteNumberValue(value.Height);
        writer.WriteEndArray();
    }
}
