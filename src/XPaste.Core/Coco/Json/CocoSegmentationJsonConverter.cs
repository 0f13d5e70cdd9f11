using System.Text.Json;
using System.Text.Json.Serialization;

namespace XPaste.Coco.Json;

/// <summary>
/// Reads the three COCO segmentation forms. Malformed values do not throw here: the reader cannot know the
/// annotation's id yet, so the problem is kept on the value and reported (or skipped) by the loader.
/// </summary>
internal sealed class CocoSegmentationJsonConverter : JsonConverter<CocoSegmentation>
{
    public override bool HandleNull => false;

    public override CocoSegmentation Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartArray:
                return ReadPolygons(ref reader);
            case JsonTokenType.StartObject:
                return ReadRle(ref reader);
            default:
                JsonTokenType token = reader.TokenType;
                reader.Skip();
                return CocoSegmentation.Invalid($"segmentation is a JSON {token}, neither a list of polygons nor an RLE object");
        }
    }

    public override void Write(Utf8JsonWriter writer, CocoSegmentation value, JsonSerializerOptions options)
    {
        if (value.Problem is not null)
        {
            throw new InvalidOperationException($"cannot write an invalid segmentation: {value.Problem}");
        }

        if (value.Kind == CocoSegmentationKind.Polygons)
        {
            writer.WriteStartArray();
            foreach (double[] polygon in value.Polygons)
            {
                writer.WriteStartArray();
                foreach (double v in polygon)
                {
                    writer.WriteNumberValue(v);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            return;
        }

        writer.WriteStartObject();
        if (value.Kind == CocoSegmentationKind.CompressedRle)
        {
            writer.WriteString("counts", value.CompressedCounts);
        }
        else
        {
            writer.WriteStartArray("counts");
            foreach (long c in value.UncompressedCounts!)
            {
                writer.WriteNumberValue(c);
            }

            writer.WriteEndArray();
        }

        writer.WriteStartArray("size");
        writer.WriteNumberValue(value.Height);
        writer.WriteNumberValue(value.Width);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static CocoSegmentation ReadPolygons(ref Utf8JsonReader reader)
    {
        var polygons = new List<double[]>(1);
        var coordinates = new List<double>(32);
        string? problem = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                problem ??= $"polygon {polygons.Count} is a JSON {reader.TokenType}, not a list of coordinates";
                reader.Skip();
                continue;
            }

            coordinates.Clear();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out double v))
                {
                    coordinates.Add(v);
                }
                else
                {
                    problem ??= $"polygon {polygons.Count} has a coordinate that is not a number ({reader.TokenType})";
                    reader.Skip();
                }
            }

            polygons.Add([.. coordinates]);
        }

        return problem is null
            ? CocoSegmentation.FromJson(CocoSegmentationKind.Polygons, polygons, 0, 0, null, null)
            : CocoSegmentation.Invalid(problem);
    }

    private static CocoSegmentation ReadRle(ref Utf8JsonReader reader)
    {
        string? problem = null;
        string? compressed = null;
        List<long>? uncompressed = null;
        int height = -1, width = -1;
        bool hasSize = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string? name = reader.GetString();
            reader.Read();
            if (name == "counts")
            {
                if (reader.TokenType == JsonTokenType.String)
                {
                    compressed = reader.GetString();
                }
                else if (reader.TokenType == JsonTokenType.StartArray)
                {
                    uncompressed = [];
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long c))
                        {
                            uncompressed.Add(c);
                        }
                        else
                        {
                            problem ??= $"RLE count {uncompressed.Count} is not an integer";
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    problem ??= $"RLE counts is a JSON {reader.TokenType}, neither a string nor a list of integers";
                    reader.Skip();
                }
            }
            else if (name == "size")
            {
                hasSize = true;
                var size = new List<long>(2);
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long s))
                        {
                            size.Add(s);
                        }
                        else
                        {
                            size.Add(-1);
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    reader.Skip();
                }

                if (size.Count != 2 || size[0] < 0 || size[1] < 0 || size[0] > int.MaxValue || size[1] > int.MaxValue)
                {
                    problem ??= "RLE size must be [height, width], two non-negative integers";
                }
                else
                {
                    height = (int)size[0];
                    width = (int)size[1];
                }
            }
            else
            {
                reader.Skip();
            }
        }

        if (problem is null && compressed is null && uncompressed is null)
        {
            problem = "RLE has no counts";
        }

        if (problem is null && !hasSize)
        {
            problem = "RLE has no size";
        }

        if (problem is not null)
        {
            return CocoSegmentation.Invalid(problem);
        }

        return compressed is not null
            ? CocoSegmentation.FromJson(CocoSegmentationKind.CompressedRle, [], height, width, compressed, null)
            : CocoSegmentation.FromJson(CocoSegmentationKind.UncompressedRle, [], height, width, null, [.. uncompressed!]);
    }
}
