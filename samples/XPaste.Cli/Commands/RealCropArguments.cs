using System.CommandLine;
using System.Globalization;
using XPaste.Coco;
using XPaste.Offline;

namespace XPaste.Cli.Commands;

/// <summary>
/// The real-crop similarity options of the extracting commands (<c>bank extract</c>, <c>bank run</c>):
/// <c>--real-crops</c>, <c>--real-images</c>, <c>--min-real-similarity</c>, <c>--real-crops-per-category</c>.
/// </summary>
internal sealed class RealCropArguments
{
    private readonly Option<FileInfo?> _realCrops = new Option<FileInfo?>("--real-crops") { Description = "COCO/LVIS annotations whose objects are the real crops of --min-real-similarity (opt-in; each object cut out with its mask, on white)." };
    private readonly Option<DirectoryInfo?> _realImages = new Option<DirectoryInfo?>("--real-images") { Description = "The folder --real-crops' file_names are relative to (default: the annotation file's folder)." };
    private readonly Option<double?> _minRealSimilarity = new Option<double?>("--min-real-similarity") { Description = "Reject a cut-out CLIP kept when the mean cosine of its CLIP image embedding to its category's real crops is below this (-1 to 1; needs --clip and --real-crops). A category without real crops is kept, with a warning." };
    private readonly Option<int> _realCropsPerCategory = new Option<int>("--real-crops-per-category") { Description = "Real crops per category at most (a seeded sample of a larger category).", DefaultValueFactory = _ => 32 }.AtLeast(1);

    public RealCropArguments()
    {
        // A cosine: checked as the command line is parsed, before any file or model is read.
        _minRealSimilarity.Validators.Add(result =>
        {
            double? value = null;
            try
            {
                value = result.Implicit ? null : result.GetValueOrDefault<double?>();
            }
            catch (InvalidOperationException)
            {
                // Not a number: the parser reports it.
            }

            if (value is double v && !(v is >= -1 and <= 1))
            {
                result.AddError(Range(v));
            }
        });
    }

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _realCrops, _realImages, _minRealSimilarity, _realCropsPerCategory })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>
    /// The filter's options, the dataset read; null when not asked for. The options go together and need <c>--clip</c>
    /// (its image tower embeds the crops): a half-given set is a usage error, a missing dataset bad data naming it.
    /// </summary>
    public async Task<RealSimilarityOptions?> CreateAsync(ParseResult parse, bool hasClip, CancellationToken cancellationToken)
    {
        FileInfo? file = parse.GetValue(_realCrops);
        double? minimum = parse.GetValue(_minRealSimilarity);
        if (minimum is double m && !(m is >= -1 and <= 1))
        {
            throw new CliUsageException("--min-real-similarity: " + Range(m));
        }

        if (file is null)
        {
            string? given = minimum is not null ? "--min-real-similarity" : parse.GetValue(_realImages) is not null ? "--real-images" : null;
            return given is null
                ? null
                : throw new CliUsageException($"{given}: needs --real-crops (the COCO/LVIS annotations whose objects are the real crops)");
        }

        if (minimum is null)
        {
            throw new CliUsageException("--real-crops: needs --min-real-similarity (the smallest mean cosine a cut-out may have)");
        }

        if (!hasClip)
        {
            throw new CliUsageException("--min-real-similarity: needs --clip (the CLIP filter's image tower embeds the real crops and the cut-outs)");
        }

        CocoDataset dataset = await CocoDataset.LoadAsync(file.FullName, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new RealSimilarityOptions
        {
            Dataset = dataset,
            ImagesFolder = parse.GetValue(_realImages)?.FullName ?? file.DirectoryName!,
            MinSimilarity = minimum.Value,
            MaxCropsPerCategory = parse.GetValue(_realCropsPerCategory),
        };
    }

    /// <summary>Adds the filter's settings to a run's record (only when it is on, so earlier runs still resume).</summary>
    public void Record(ParseResult parse, RealSimilarityOptions? real, IDictionary<string, string> settings)
    {
        if (real is null)
        {
            return;
        }

        settings["real_crops"] = Path.GetFileName(parse.GetValue(_realCrops)!.FullName);
        settings["min_real_similarity"] = real.MinSimilarity.ToString(CultureInfo.InvariantCulture);
        settings["real_crops_per_category"] = real.MaxCropsPerCategory.ToString(CultureInfo.InvariantCulture);
    }

    private static string Range(double value) =>
        string.Create(CultureInfo.InvariantCulture, $"must be between -1 and 1 (a cosine), got {value}");
}
