using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using XPaste.Coco;
using XPaste.Coco.Json;
using XPaste.IO;

namespace XPaste.Augment;

/// <summary>
/// The record of an <see cref="AugmentRun"/> in its progress folder (<c>manifest.json</c>): every setting and input
/// identity that determines the output, and whether the output is complete. A run resumes only where they are equal.
/// </summary>
internal sealed class AugmentRunManifest
{
    public const string FileName = "manifest.json";
    public const string Format = "xpaste-augment-run";
    public const int Version = 1;

    /// <summary>Options that change how fast samples are made, never what they are.</summary>
    private static readonly HashSet<string> NotRecorded = new(StringComparer.Ordinal)
    {
        nameof(XPasteOptions.PrefetchBatches),
        nameof(XPasteOptions.DropLast),
    };

    public AugmentRunManifest(SortedDictionary<string, string> settings, SortedDictionary<string, string> inputs)
    {
        Settings = settings;
        Inputs = inputs;
        Key = ComputeKey(settings, inputs);
    }

    public SortedDictionary<string, string> Settings { get; }

    public SortedDictionary<string, string> Inputs { get; }

    /// <summary>A short hash of the settings and inputs; every batch file carries it.</summary>
    public string Key { get; }

    public bool Complete { get; init; }

    public int? Images { get; init; }

    public long? Annotations { get; init; }

    /// <summary>Describes a run: the augmenter's options and inputs, the run's own settings and the caller's inputs.</summary>
    public static AugmentRunManifest Describe(XPasteAugmenter augmenter, IReadOnlyList<CocoCategory> categories, AugmentRunOptions options)
    {
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Flatten(augmenter.Options, "", settings);
        settings[AugmentRunSettingNames.PolicyType] = augmenter.Policy.GetType().FullName ?? augmenter.Policy.GetType().Name;
        settings[AugmentRunSettingNames.Count] = options.Count.ToString(CultureInfo.InvariantCulture);
        Flatten(options.Writer, AugmentRunSettingNames.WriterPrefix, settings);
        settings[AugmentRunSettingNames.Preview] = options.WritePreview
            ? string.Create(CultureInfo.InvariantCulture, $"{options.PreviewImages} images, {options.PreviewColumns} columns, {options.PreviewTileSize} px tiles")
            : "none";
        IReadOnlyList<AnnotatedImageInfo> images = augmenter.Dataset!.Images;
        settings[AugmentRunSettingNames.Dataset] = Fingerprint(images.Count, "images", images.Select(i => string.Create(CultureInfo.InvariantCulture, $"{i.Id}\t{i.Width}\t{i.Height}\t{i.ObjectCount}")));
        settings[AugmentRunSettingNames.Pool] = augmenter.Pool is { } pool
            ? Fingerprint(pool.Instances.Count, "instances", pool.Instances.Select(i => string.Create(CultureInfo.InvariantCulture, $"{i.Id}\t{i.CategoryId}\t{i.Width}\t{i.Height}")))
            : "none";
        settings[AugmentRunSettingNames.SizeStatistics] = augmenter.Sizes is { } sizes ? Fingerprint(sizes.Categories.Count, "categories", [Convert.ToHexStringLower(sizes.ToUtf8Json())]) : "none";
        settings[AugmentRunSettingNames.Categories] = Fingerprint(categories.Count, "categories", [Convert.ToHexStringLower(JsonSerializer.SerializeToUtf8Bytes(categories, CocoJsonContext.Default.IReadOnlyListCocoCategory))]);
        settings[AugmentRunSettingNames.XPasteVersion] = typeof(AugmentRunManifest).Assembly.GetName().Version?.ToString() ?? "unknown";
        var inputs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach ((string name, string value) in options.Inputs)
        {
            inputs[name] = value;
        }

        return new AugmentRunManifest(settings, inputs);
    }

    /// <summary>The settings and inputs that differ between a recorded run and this one, by name.</summary>
    public List<AugmentRunSettingChange> Compare(AugmentRunManifest current)
    {
        var changes = new List<AugmentRunSettingChange>();
        Compare(Settings, current.Settings, changes);
        Compare(Inputs, current.Inputs, changes);
        return changes;
    }

    public AugmentRunManifest With(bool complete, int? images = null, long? annotations = null) =>
        new(Settings, Inputs) { Complete = complete, Images = images, Annotations = annotations };

    public void Save(string path) =>
        AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(new ManifestDto
        {
            Format = Format,
            Version = Version,
            Run = Key,
            Complete = Complete,
            Images = Images,
            Annotations = Annotations,
            Settings = new Dictionary<string, string>(Settings, StringComparer.Ordinal),
            Inputs = new Dictionary<string, string>(Inputs, StringComparer.Ordinal),
        }, RunJson.Default.ManifestDto));

    /// <summary>Reads a manifest; null when there is none.</summary>
    /// <exception cref="AugmentRunConflictException">The file is not a manifest this version can read.</exception>
    public static AugmentRunManifest? Read(string path, string outputFolder)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        ManifestDto? dto;
        try
        {
            dto = JsonSerializer.Deserialize(File.ReadAllBytes(path), RunJson.Default.ManifestDto);
        }
        catch (JsonException)
        {
            dto = null;
        }

        if (dto is not { Format: Format, Version: Version, Settings: not null })
        {
            throw new AugmentRunConflictException(outputFolder, $"its run record {path} is not one this version of XPaste can read (format {Format} version {Version}); write to another folder, or overwrite it", []);
        }

        return new AugmentRunManifest(
            new SortedDictionary<string, string>(dto.Settings, StringComparer.Ordinal),
            new SortedDictionary<string, string>(dto.Inputs ?? [], StringComparer.Ordinal))
        {
            Complete = dto.Complete,
            Images = dto.Images,
            Annotations = dto.Annotations,
        };
    }

    private static void Compare(SortedDictionary<string, string> recorded, SortedDictionary<string, string> current, List<AugmentRunSettingChange> changes)
    {
        foreach (string name in recorded.Keys.Union(current.Keys).Order(StringComparer.Ordinal))
        {
            string? before = recorded.GetValueOrDefault(name), now = current.GetValueOrDefault(name);
            if (!string.Equals(before, now, StringComparison.Ordinal))
            {
                changes.Add(new AugmentRunSettingChange(name, before, now));
            }
        }
    }

    /// <summary>Every public property of an options object as <c>Path.To.Property</c> = invariant text, nested options recursed.</summary>
    private static void Flatten(object options, string prefix, SortedDictionary<string, string> into, int depth = 0)
    {
        if (depth > 8)
        {
            throw new ArgumentException($"options nest deeper than 8 levels at {prefix}", nameof(options));
        }

        foreach (PropertyInfo property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is null || (prefix.Length == 0 && NotRecorded.Contains(property.Name)))
            {
                continue;
            }

            string name = prefix + property.Name;
            object? value = property.GetValue(options);
            switch (value)
            {
                case null:
                    into[name] = "null";
                    break;
                case string or bool or Enum or IFormattable:
                    into[name] = Text(value);
                    break;
                case IEnumerable items:
                    into[name] = string.Join(", ", items.Cast<object?>().Select(v => v is null ? "null" : Text(v)));
                    break;
                default:
                    Flatten(value, name + ".", into, depth + 1);
                    break;
            }
        }
    }

    private static string Text(object value) => value switch
    {
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary><c>N things, sha256 XXXXXXXXXXXXXXXX</c>: a count and a short hash of the lines describing them.</summary>
    private static string Fingerprint(int count, string things, IEnumerable<string> lines)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string line in lines)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(line));
            hash.AppendData("\n"u8);
        }

        return string.Create(CultureInfo.InvariantCulture, $"{count} {things}, sha256 {Convert.ToHexStringLower(hash.GetHashAndReset())[..16]}");
    }

    private static string ComputeKey(SortedDictionary<string, string> settings, SortedDictionary<string, string> inputs)
    {
        var text = new StringBuilder();
        foreach ((string name, string value) in settings)
        {
            text.Append("setting\t").Append(name).Append('\t').Append(value).Append('\n');
        }

        foreach ((string name, string value) in inputs)
        {
            text.Append("input\t").Append(name).Append('\t').Append(value).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}

/// <summary>The JSON of <c>manifest.json</c>.</summary>
internal sealed class ManifestDto
{
    public string? Format { get; set; }

    public int Version { get; set; }

    public string? Run { get; set; }

    public bool Complete { get; set; }

    public int? Images { get; set; }

    public long? Annotations { get; set; }

    public Dictionary<string, string>? Settings { get; set; }

    public Dictionary<string, string>? Inputs { get; set; }
}

/// <summary>The header of a batch file: which run and batch it belongs to.</summary>
internal sealed class BatchHeaderDto
{
    public string? Run { get; set; }

    public int Batch { get; set; }

    public long First { get; set; }

    public int Count { get; set; }
}

/// <summary>Source-generated JSON of the run's own files.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(ManifestDto))]
[JsonSerializable(typeof(BatchHeaderDto))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class RunJson : JsonSerializerContext
{
}
