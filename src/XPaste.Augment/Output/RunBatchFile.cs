using System.Globalization;
using System.Text;
using System.Text.Json;
using XPaste.Coco;
using XPaste.Coco.Json;
using XPaste.IO;

namespace XPaste.Augment;

/// <summary>
/// One completed batch of an <see cref="AugmentRun"/>: <c>batch-NNNNNNNN.json</c> in the progress folder, a COCO
/// fragment (the batch's images, its annotations numbered from 1 within the batch, no categories) with the batch's
/// header and plans as extension fields. Written whole (temporary file + rename) after the batch's images, it is the
/// batch's commit point: a batch counts as done exactly when its file reads back valid and its images exist.
/// </summary>
internal sealed class RunBatchFile
{
    private const string HeaderField = "xpaste_batch";
    private const string PlansField = "xpaste_plans";
    private const string Prefix = "batch-";

    private RunBatchFile(IReadOnlyList<CocoImage> images, IReadOnlyList<CocoAnnotation> annotations, IReadOnlyList<string> plans)
    {
        Images = images;
        Annotations = annotations;
        Plans = plans;
    }

    public IReadOnlyList<CocoImage> Images { get; }

    /// <summary>Numbered 1, 2, ... within the batch.</summary>
    public IReadOnlyList<CocoAnnotation> Annotations { get; }

    /// <summary>Empty when the run writes no plans.</summary>
    public IReadOnlyList<string> Plans { get; }

    public static string PathOf(string stateFolder, int batch) =>
        Path.Combine(stateFolder, string.Create(CultureInfo.InvariantCulture, $"{Prefix}{batch:D8}.json"));

    public static bool IsBatchFile(string path) => Path.GetFileName(path).StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Commits a batch whose images are written: <paramref name="records"/> must number its annotations from 1.</summary>
    public static void Write(string path, BatchHeaderDto header, BatchRecords records)
    {
        var fragment = new CocoDataset
        {
            Images = records.Images,
            Annotations = records.Annotations,
            ExtensionData = new Dictionary<string, JsonElement>
            {
                [HeaderField] = JsonSerializer.SerializeToElement(header, RunJson.Default.BatchHeaderDto),
                [PlansField] = JsonSerializer.SerializeToElement(records.Plans, RunJson.Default.ListString),
            },
        };
        AtomicFile.WriteAllBytes(path, fragment.ToUtf8Json());
    }

    /// <summary>
    /// Reads a batch file back and checks that it is the expected batch of this run, whole, and that its images exist.
    /// </summary>
    /// <returns>The batch, or null with the reason when it is missing or unusable (it is then made again).</returns>
    public static RunBatchFile? TryRead(string path, BatchHeaderDto expected, string outputFolder, CocoPasteWriterOptions writer, out string? problem)
    {
        if (!File.Exists(path))
        {
            problem = "missing";
            return null;
        }

        CocoDataset? raw;
        try
        {
            raw = JsonSerializer.Deserialize(File.ReadAllBytes(path), CocoJsonContext.Default.CocoDataset);
        }
        catch (JsonException ex)
        {
            problem = $"not valid JSON ({ex.Message})";
            return null;
        }

        problem = Check(raw, expected, outputFolder, writer, out List<string> plans);
        return problem is null ? new RunBatchFile(raw!.Images, raw.Annotations, plans) : null;
    }

    private static string? Check(CocoDataset? raw, BatchHeaderDto expected, string outputFolder, CocoPasteWriterOptions writer, out List<string> plans)
    {
        plans = [];
        if (raw?.ExtensionData is null || !raw.ExtensionData.TryGetValue(HeaderField, out JsonElement headerJson)
            || !raw.ExtensionData.TryGetValue(PlansField, out JsonElement plansJson))
        {
            return "not a batch file";
        }

        BatchHeaderDto? header;
        try
        {
            header = headerJson.Deserialize(RunJson.Default.BatchHeaderDto);
            plans = plansJson.Deserialize(RunJson.Default.ListString) ?? [];
        }
        catch (JsonException ex)
        {
            return $"unreadable header ({ex.Message})";
        }

        if (header is null || header.Run != expected.Run || header.Batch != expected.Batch || header.First != expected.First || header.Count != expected.Count)
        {
            return "it belongs to another run or batch";
        }

        if (raw.Images is not { } images || images.Count != expected.Count)
        {
            return $"expected {expected.Count} images";
        }

        if (plans.Count != (writer.WritePlans ? expected.Count : 0) || plans.Any(p => p is null))
        {
            return "wrong number of plans";
        }

        for (int i = 0; i < images.Count; i++)
        {
            long id = expected.First + 1 + i;
            string file = $"{writer.ImagesFolderName}/{CocoPasteWriter.ImageFileName(id, writer.Format)}";
            if (images[i] is not { } image || image.Id != id || image.FileName != file)
            {
                return $"image {i} is not image {id} ({file})";
            }

            if (!File.Exists(Path.Combine(outputFolder, writer.ImagesFolderName, CocoPasteWriter.ImageFileName(id, writer.Format))))
            {
                return $"its image {file} is missing";
            }
        }

        IReadOnlyList<CocoAnnotation>? annotations = raw.Annotations;
        for (int k = 0; k < (annotations?.Count ?? 0); k++)
        {
            if (annotations![k] is not { } a || a.Id != k + 1 || a.ImageId <= expected.First || a.ImageId > expected.First + expected.Count)
            {
                return $"annotation {k} is out of place";
            }
        }

        return null;
    }

    /// <summary>Writes <c>plans.jsonl</c> from the batch files: each batch's plans, one line each, in order.</summary>
    public static void AssemblePlans(string path, IReadOnlyList<string> batchFiles)
    {
        AtomicFile.Write(path, stream =>
        {
            foreach (string file in batchFiles)
            {
                foreach (string plan in ReadCommitted(file).Plans)
                {
                    stream.Write(Encoding.UTF8.GetBytes(plan));
                    stream.WriteByte((byte)'\n');
                }
            }
        });
    }

    /// <summary>
    /// Writes <c>annotations.json</c> from the batch files, streaming (one batch in memory at a time): the same bytes
    /// <see cref="CocoDataset.Save"/> writes for the whole dataset, with the annotations renumbered from 1 across batches.
    /// </summary>
    /// <returns>The numbers of images and annotations written.</returns>
    public static (int Images, long Annotations) AssembleAnnotations(string path, IReadOnlyList<string> batchFiles, IReadOnlyList<CocoCategory> categories)
    {
        int imageCount = 0;
        long annotationCount = 0;
        CocoJsonContext context = CocoJsonContext.Default;
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = context.Options.Encoder, Indented = false });
            json.WriteStartObject();
            json.WritePropertyName("info");
            JsonSerializer.Serialize(json, CocoPasteWriter.OutputInfo, context.CocoInfo);
            json.WriteStartArray("images");
            foreach (string file in batchFiles)
            {
                foreach (CocoImage image in ReadCommitted(file).Images)
                {
                    JsonSerializer.Serialize(json, image, context.CocoImage);
                    imageCount++;
                }

                json.Flush();
            }

            json.WriteEndArray();
            json.WriteStartArray("annotations");
            foreach (string file in batchFiles)
            {
                long offset = annotationCount;
                foreach (CocoAnnotation annotation in ReadCommitted(file).Annotations)
                {
                    JsonSerializer.Serialize(json, annotation with { Id = offset + annotation.Id }, context.CocoAnnotation);
                    annotationCount++;
                }

                json.Flush();
            }

            json.WriteEndArray();
            json.WritePropertyName("categories");
            JsonSerializer.Serialize(json, categories, context.IReadOnlyListCocoCategory);
            json.WriteEndObject();
        });
        return (imageCount, annotationCount);
    }

    /// <summary>Reads a batch file checked earlier in this run.</summary>
    private static RunBatchFile ReadCommitted(string path)
    {
        CocoDataset raw = JsonSerializer.Deserialize(File.ReadAllBytes(path), CocoJsonContext.Default.CocoDataset)
            ?? throw new InvalidInputException(path, "the batch file is empty");
        List<string> plans = raw.ExtensionData is { } extra && extra.TryGetValue(PlansField, out JsonElement p) ? p.Deserialize(RunJson.Default.ListString) ?? [] : [];
        return new RunBatchFile(raw.Images, raw.Annotations, plans);
    }
}
