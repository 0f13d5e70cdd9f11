using System.Globalization;
using System.Text.Json;
using XPaste.IO;
using XPaste.Masks;

namespace XPaste.Coco;

/// <summary>
/// Per-category statistics of <c>sqrt(box area / image area)</c> over a dataset's annotations, as the X-Paste
/// reference computes them (its <c>area_mean_std2.json</c>): the box is the annotation's stored <c>bbox</c> (or,
/// when it has none, its decoded mask's box), the image area its image's <c>width * height</c>. Categories without
/// annotations fall back to <see cref="Global"/>, the distribution over all annotations pooled.
/// </summary>
public sealed class CategorySizeStatistics
{
    /// <summary>The distribution over every counted annotation; used for categories without statistics.</summary>
    public SizeDistribution Global { get; init; }

    /// <summary>The distribution per category id (only categories with at least one counted annotation).</summary>
    public IReadOnlyDictionary<int, SizeDistribution> Categories { get; init; } = new Dictionary<int, SizeDistribution>();

    /// <summary>The category's distribution, or <see cref="Global"/> when it has none.</summary>
    /// <param name="categoryId">The category id.</param>
    public SizeDistribution Get(int categoryId) =>
        Categories.TryGetValue(categoryId, out SizeDistribution distribution) ? distribution : Global;

    /// <summary>Computes the statistics of a dataset.</summary>
    /// <param name="dataset">The dataset (its annotations' boxes and images' sizes).</param>
    /// <param name="options">Options; <see cref="SizeStatisticsOptions.Default"/> (the reference's choices) when null.</param>
    /// <exception cref="CocoFormatException">An annotation has neither a box nor a decodable mask, or its image is unknown.</exception>
    public static CategorySizeStatistics Compute(CocoDataset dataset, SizeStatisticsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        options ??= SizeStatisticsOptions.Default;
        var values = new Dictionary<int, List<double>>();
        var all = new List<double>(dataset.Annotations.Count);
        foreach (CocoAnnotation annotation in dataset.Annotations)
        {
            if (annotation.Crowd && !options.IncludeCrowd)
            {
                continue;
            }

            if (!dataset.TryGetImage(annotation.ImageId, out CocoImage? image))
            {
                throw new CocoFormatException(dataset.SourceName, annotation.Id, $"image_id {annotation.ImageId} is not in images");
            }

            CocoBox box = annotation.Bbox ?? dataset.DecodeMask(annotation).BoundingBox;
            double imageArea = (double)image.Width * image.Height;
            double s = Math.Sqrt(box.Width * box.Height / imageArea);
            if (!values.TryGetValue(annotation.CategoryId, out List<double>? list))
            {
                list = [];
                values.Add(annotation.CategoryId, list);
            }

            list.Add(s);
            all.Add(s);
        }

        var categories = new Dictionary<int, SizeDistribution>(values.Count);
        foreach ((int id, List<double> list) in values)
        {
            categories.Add(id, Describe(list, options.SampleStd));
        }

        return new CategorySizeStatistics { Global = Describe(all, options.SampleStd), Categories = categories };
    }

    /// <summary>
    /// Reads statistics saved by <see cref="Save"/>, or the reference's <c>area_mean_std2.json</c>
    /// (<c>{"category id": [mean, std], ...}</c>; its global distribution is then the average of the categories'
    /// means and of their standard deviations, with count 0).
    /// </summary>
    /// <param name="path">The JSON file.</param>
    /// <exception cref="InvalidInputException">The file is missing or is not in either format.</exception>
    public static CategorySizeStatistics Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidInputException(path, "file not found", ex);
        }

        return Parse(bytes, path);
    }

    /// <summary>Parses statistics in either format that <see cref="Load"/> reads.</summary>
    /// <param name="utf8Json">The JSON.</param>
    /// <param name="name">Names the input in error messages.</param>
    /// <exception cref="InvalidInputException">The JSON is in neither format.</exception>
    public static CategorySizeStatistics Parse(ReadOnlySpan<byte> utf8Json, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            using var document = JsonDocument.ParseValue(ref reader);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidInputException(name, "size statistics must be a JSON object");
            }

            return root.TryGetProperty("categories", out JsonElement categories)
                ? ParseOwn(root, categories, name)
                : ParseReference(root, name);
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException(name, $"not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Writes the statistics as JSON, atomically.</summary>
    /// <param name="path">The file to write.</param>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        AtomicFile.WriteAllBytes(path, ToUtf8Json());
    }

    /// <summary>
    /// The statistics as JSON: <c>{"measure": ..., "global": {"mean", "std", "count"}, "categories": {"id": {...}}}</c>,
    /// categories in id order.
    /// </summary>
    public byte[] ToUtf8Json()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("measure", "sqrt(box area / image area)");
            writer.WritePropertyName("global");
            Write(writer, Global);
            writer.WriteStartObject("categories");
            foreach ((int id, SizeDistribution distribution) in Categories.OrderBy(c => c.Key))
            {
                writer.WritePropertyName(id.ToString(CultureInfo.InvariantCulture));
                Write(writer, distribution);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static SizeDistribution Describe(List<double> values, bool sample)
    {
        if (values.Count == 0)
        {
            return default;
        }

        double sum = 0;
        foreach (double v in values)
        {
            sum += v;
        }

        double mean = sum / values.Count;
        double squares = 0;
        foreach (double v in values)
        {
            squares += (v - mean) * (v - mean);
        }

        int divisor = sample && values.Count > 1 ? values.Count - 1 : values.Count;
        return new SizeDistribution(mean, Math.Sqrt(squares / divisor), values.Count);
    }

    private static void Write(Utf8JsonWriter writer, SizeDistribution distribution)
    {
        writer.WriteStartObject();
        writer.WriteNumber("mean", distribution.Mean);
        writer.WriteNumber("std", distribution.Std);
        writer.WriteNumber("count", distribution.Count);
        writer.WriteEndObject();
    }

    private static CategorySizeStatistics ParseOwn(JsonElement root, JsonElement categories, string name)
    {
        if (!root.TryGetProperty("global", out JsonElement global))
        {
            throw new InvalidInputException(name, "size statistics have no \"global\" distribution");
        }

        if (categories.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidInputException(name, "\"categories\" must be an object keyed by category id");
        }

        var map = new Dictionary<int, SizeDistribution>();
        foreach (JsonProperty property in categories.EnumerateObject())
        {
            if (!map.TryAdd(CategoryId(property.Name, name), ReadDistribution(property.Value, $"category {property.Name}", name)))
            {
                throw new InvalidInputException(name, $"category {property.Name} appears more than once");
            }
        }

        return new CategorySizeStatistics { Global = ReadDistribution(global, "global", name), Categories = map };
    }

    private static CategorySizeStatistics ParseReference(JsonElement root, string name)
    {
        var map = new Dictionary<int, SizeDistribution>();
        foreach (JsonProperty property in root.EnumerateObject())
        {
            JsonElement pair = property.Value;
            if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() < 2 ||
                pair[0].ValueKind != JsonValueKind.Number || pair[1].ValueKind != JsonValueKind.Number)
            {
                throw new InvalidInputException(name, $"category {property.Name}: expected [mean, std] (the reference's area_mean_std format) or this library's format with \"global\" and \"categories\"");
            }

            var distribution = Checked(new SizeDistribution(pair[0].GetDouble(), pair[1].GetDouble(), 0), $"category {property.Name}", name);
            if (!map.TryAdd(CategoryId(property.Name, name), distribution))
            {
                throw new InvalidInputException(name, $"category {property.Name} appears more than once");
            }
        }

        SizeDistribution global = map.Count == 0
            ? default
            : new SizeDistribution(map.Values.Average(d => d.Mean), map.Values.Average(d => d.Std), 0);
        return new CategorySizeStatistics { Global = global, Categories = map };
    }

    private static SizeDistribution ReadDistribution(JsonElement element, string what, string name)
    {
        if (element.ValueKind != JsonValueKind.Object ||
            !element.TryGetProperty("mean", out JsonElement mean) || mean.ValueKind != JsonValueKind.Number ||
            !element.TryGetProperty("std", out JsonElement std) || std.ValueKind != JsonValueKind.Number)
        {
            throw new InvalidInputException(name, $"{what}: expected {{\"mean\": number, \"std\": number, \"count\": integer}}");
        }

        long count = element.TryGetProperty("count", out JsonElement c) && c.TryGetInt64(out long n) ? n : 0;
        return Checked(new SizeDistribution(mean.GetDouble(), std.GetDouble(), count), what, name);
    }

    private static SizeDistribution Checked(SizeDistribution d, string what, string name) =>
        double.IsFinite(d.Mean) && double.IsFinite(d.Std) && d.Mean >= 0 && d.Std >= 0 && d.Count >= 0
            ? d
            : throw new InvalidInputException(name, $"{what}: mean {d.Mean} and std {d.Std} must be finite and non-negative");

    private static int CategoryId(string key, string name) =>
        int.TryParse(key, NumberStyles.Integer, CultureInfo.InvariantCulture, out int id)
            ? id
            : throw new InvalidInputException(name, $"\"{key}\" is not a category id");
}
