using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using XPaste.IO;

namespace XPaste.Bank;

/// <summary>
/// The bank's manifest on disk: a folder of segment files <c>seg-NNNNNNNN.json</c>, each written whole by
/// temporary file + rename as one commit, so a segment is either complete or absent. Segments are read in sequence
/// order; an id seen again (left by a compaction that stopped before deleting the old segments) is skipped.
/// </summary>
internal static class BankManifest
{
    public const string FolderName = "manifest";
    public const string SummaryFileName = "bank.json";
    public const string SegmentFormat = "xpaste-bank-segment";
    public const string SummaryFormat = "xpaste-bank";
    public const int Version = 1;

    private const string SegmentPrefix = "seg-";
    private const string SegmentSuffix = ".json";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly JsonSerializerOptions IndentedJson = new(Json) { WriteIndented = true };

    public static string SegmentPath(string manifestFolder, long sequence) =>
        Path.Combine(manifestFolder, string.Create(CultureInfo.InvariantCulture, $"{SegmentPrefix}{sequence:D8}{SegmentSuffix}"));

    /// <summary>The committed segments in sequence order. Temporary files and anything else are not segments.</summary>
    public static List<(long Sequence, string Path)> ListSegments(string manifestFolder)
    {
        var segments = new List<(long, string)>();
        if (!Directory.Exists(manifestFolder))
        {
            return segments;
        }

        foreach (string path in Directory.EnumerateFiles(manifestFolder, SegmentPrefix + "*" + SegmentSuffix))
        {
            string name = Path.GetFileName(path);
            string digits = name[SegmentPrefix.Length..^SegmentSuffix.Length];
            if (digits.Length > 0 && digits.All(char.IsAsciiDigit)
                && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long sequence))
            {
                segments.Add((sequence, path));
            }
        }

        segments.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return segments;
    }

    public static byte[] SerializeSegment(IEnumerable<BankInstance> instances, IEnumerable<BankRejection> rejections)
    {
        var dto = new SegmentDto
        {
            Format = SegmentFormat,
            Version = Version,
            Instances = instances.Select(i => (InstanceDto?)ToDto(i)).ToList(),
            Rejected = rejections.Select(r => (RejectionDto?)new RejectionDto
            {
                Source = r.Source,
                Kind = r.KindName,
                Category = r.Category,
                Reason = r.Reason,
                Extractor = r.Extractor,
                Value = r.Value,
                Limit = r.Limit,
            }).ToList(),
        };
        return JsonSerializer.SerializeToUtf8Bytes(dto, Json);
    }

    /// <summary>Reads and validates one segment; every problem is reported against the segment's path.</summary>
    public static (List<BankInstance> Instances, List<BankRejection> Rejections) ReadSegment(string path, string bankFolder)
    {
        byte[] bytes = File.ReadAllBytes(path);
        SegmentDto? dto;
        try
        {
            dto = JsonSerializer.Deserialize<SegmentDto>(bytes, Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidBankException(path, $"corrupt manifest segment: not valid JSON ({ex.Message})", ex);
        }

        if (dto is null || dto.Format != SegmentFormat)
        {
            throw new InvalidBankException(path, $"corrupt manifest segment: expected \"format\": \"{SegmentFormat}\"");
        }

        if (dto.Version != Version)
        {
            throw new InvalidBankException(path, $"manifest segment version {dto.Version} is not supported (expected {Version})");
        }

        var instances = new List<BankInstance>(dto.Instances?.Count ?? 0);
        for (int i = 0; i < (dto.Instances?.Count ?? 0); i++)
        {
            instances.Add(FromDto(dto.Instances![i], i, path, bankFolder));
        }

        var rejections = new List<BankRejection>(dto.Rejected?.Count ?? 0);
        for (int i = 0; i < (dto.Rejected?.Count ?? 0); i++)
        {
            RejectionDto r = dto.Rejected![i] ?? throw new InvalidBankException(path, $"rejected entry {i} is null");
            if (string.IsNullOrEmpty(r.Source))
            {
                throw new InvalidBankException(path, $"rejected entry {i} has no source");
            }

            // Segments written before rejections were typed have only a reason: kept as its text.
            RejectionKind kind = RejectionKinds.Parse(r.Kind);
            rejections.Add(new BankRejection(r.Source, r.Category, kind, r.Extractor, r.Value, r.Limit)
            {
                Note = kind == RejectionKind.Other ? r.Reason ?? "" : null,
            });
        }

        return (instances, rejections);
    }

    public static byte[] SerializeSummary(BankSummary summary, long lastSegment) =>
        JsonSerializer.SerializeToUtf8Bytes(new SummaryDto
        {
            Format = SummaryFormat,
            Version = Version,
            LastSegment = lastSegment,
            Instances = summary.Instances,
            Rejected = summary.Rejected,
            Categories = summary.Categories.Select(c => (CategoryCountDto?)new CategoryCountDto { Id = c.Id, Name = c.Name, Count = c.Count }).ToList(),
        }, IndentedJson);

    /// <summary>Reads the summary file, or null when it is missing or unreadable (it is a cache; the segments are the truth).</summary>
    public static (BankSummary Summary, long LastSegment)? TryReadSummary(string path)
    {
        try
        {
            SummaryDto? dto = JsonSerializer.Deserialize<SummaryDto>(File.ReadAllBytes(path), Json);
            if (dto is null || dto.Format != SummaryFormat || dto.Version != Version || dto.Categories is null)
            {
                return null;
            }

            var categories = dto.Categories.Where(c => c is { Name: not null }).Select(c => new BankCategoryCount(c!.Id, c.Name!, c.Count)).ToList();
            return (new BankSummary(dto.Instances, dto.Rejected, categories), dto.LastSegment);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static InstanceDto ToDto(BankInstance i) => new()
    {
        Id = i.Id,
        CategoryId = i.CategoryId,
        Category = i.CategoryName,
        File = i.File,
        Source = i.Source,
        Origin = i.Origin,
        Extractor = i.Extractor,
        ClipScore = i.ClipScore,
        RunnerUpScores = i.RunnerUpScores?.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
        Width = i.Width,
        Height = i.Height,
        Sha256 = i.ContentHash,
    };

    private static BankInstance FromDto(InstanceDto? dto, int index, string segment, string bankFolder)
    {
        if (dto is null)
        {
            throw new InvalidBankException(segment, $"instance entry {index} is null");
        }

        string entry = dto.Id is null ? $"instance entry {index}" : $"instance entry {index} (id '{dto.Id}')";
        string Require(string? value, string field) =>
            string.IsNullOrEmpty(value) ? throw new InvalidBankException(segment, $"{entry}: missing \"{field}\"") : value;

        string id = Require(dto.Id, "id");
        string file = Require(dto.File, "file");
        try
        {
            SafePath.Resolve(bankFolder, file, entry);
        }
        catch (InvalidInputException ex)
        {
            throw new InvalidBankException(segment, $"{entry}: path '{file}' is rejected because it escapes the bank folder {bankFolder}", ex);
        }

        if (dto.CategoryId is not int categoryId)
        {
            throw new InvalidBankException(segment, $"{entry}: missing \"category_id\"");
        }

        if (dto.Width is not (int width and > 0) || dto.Height is not (int height and > 0))
        {
            throw new InvalidBankException(segment, $"{entry}: \"width\" and \"height\" must be positive integers");
        }

        string hash = Require(dto.Sha256, "sha256");
        if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower))
        {
            throw new InvalidBankException(segment, $"{entry}: \"sha256\" must be 64 lower-case hex digits");
        }

        if (dto.ClipScore is float score && !float.IsFinite(score))
        {
            throw new InvalidBankException(segment, $"{entry}: \"clip_score\" must be a finite number");
        }

        if (dto.RunnerUpScores is { } runnersUp && runnersUp.Any(p => string.IsNullOrEmpty(p.Key) || !float.IsFinite(p.Value)))
        {
            throw new InvalidBankException(segment, $"{entry}: \"runner_up_scores\" must map extractor names to finite numbers");
        }

        return new BankInstance
        {
            Id = id,
            CategoryId = categoryId,
            CategoryName = Require(dto.Category, "category"),
            File = file,
            Source = Require(dto.Source, "source"),
            Origin = dto.Origin,
            Extractor = Require(dto.Extractor, "extractor"),
            ClipScore = dto.ClipScore,
            RunnerUpScores = dto.RunnerUpScores,
            Width = width,
            Height = height,
            ContentHash = hash,
        };
    }

    private sealed class SegmentDto
    {
        public string? Format { get; set; }

        public int Version { get; set; }

        public List<InstanceDto?>? Instances { get; set; }

        public List<RejectionDto?>? Rejected { get; set; }
    }

    private sealed class InstanceDto
    {
        public string? Id { get; set; }

        public int? CategoryId { get; set; }

        public string? Category { get; set; }

        public string? File { get; set; }

        public string? Source { get; set; }

        public string? Origin { get; set; }

        public string? Extractor { get; set; }

        public float? ClipScore { get; set; }

        // Added after version 1 shipped: optional, so older manifests still read and older readers skip it.
        public Dictionary<string, float>? RunnerUpScores { get; set; }

        public int? Width { get; set; }

        public int? Height { get; set; }

        public string? Sha256 { get; set; }
    }

    private sealed class RejectionDto
    {
        public string? Source { get; set; }

        // Kind, category, value and limit were added after version 1 shipped: optional, older readers skip them.
        public string? Kind { get; set; }

        public string? Category { get; set; }

        public string? Reason { get; set; }

        public double? Value { get; set; }

        public double? Limit { get; set; }

        public string? Extractor { get; set; }
    }

    private sealed class SummaryDto
    {
        public string? Format { get; set; }

        public int Version { get; set; }

        public long LastSegment { get; set; }

        public int Instances { get; set; }

        public int Rejected { get; set; }

        public List<CategoryCountDto?>? Categories { get; set; }
    }

    private sealed class CategoryCountDto
    {
        public int Id { get; set; }

        public string? Name { get; set; }

        public int Count { get; set; }
    }
}
