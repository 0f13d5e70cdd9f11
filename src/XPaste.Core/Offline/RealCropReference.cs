using Microsoft.Extensions.Logging;
using XPaste.Abstractions;
using XPaste.Clip;
using XPaste.Coco;
using XPaste.Imaging;
using XPaste.IO;
using XPaste.Masks;
using static TorchSharp.torch;

namespace XPaste.Offline;

/// <summary>
/// The real crops of <see cref="RealSimilarityOptions"/>, embedded by the CLIP filter as it embeds cut-outs: each category's
/// unit embeddings are computed the first time the category is asked for and cached (as managed arrays, so the
/// pipeline needs no disposal), and a cut-out's similarity is its mean cosine to them.
/// </summary>
internal sealed class RealCropReference
{
    private readonly RealSimilarityOptions _options;
    private readonly ClipZeroShotFilter _filter;
    private readonly ILogger _logger;
    private readonly Dictionary<string, CocoCategory> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, float[]?> _cache = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public RealCropReference(RealSimilarityOptions options, ClipZeroShotFilter filter, ILogger logger)
    {
        _options = options;
        _filter = filter;
        _logger = logger;
        // Names first, then LVIS synonyms, so a synonym never shadows another category's own name.
        foreach (CocoCategory category in options.Dataset.Categories)
        {
            _byName.TryAdd(CategoryMapping.NormalizeName(category.Name), category);
        }

        foreach (CocoCategory category in options.Dataset.Categories)
        {
            foreach (string synonym in category.Synonyms ?? [])
            {
                _byName.TryAdd(CategoryMapping.NormalizeName(synonym), category);
            }
        }
    }

    /// <summary>Test hook: how many real crops were embedded so far (each once per pipeline).</summary>
    internal int CropsEmbedded { get; private set; }

    /// <summary>
    /// The mean cosine similarity of each cut-out to the real crops of <paramref name="category"/>; null when the
    /// category has none (every cut-out is then kept; warned once).
    /// </summary>
    /// <param name="category">The cut-outs' category.</param>
    /// <param name="cutouts"><c>uint8 [4,H,W]</c> RGBA cut-outs (scored on white, as the CLIP filter does).</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    public double[]? Similarities(CategoryInfo category, IReadOnlyList<Tensor> cutouts, CancellationToken cancellationToken)
    {
        float[]? real = RealEmbeddings(category, cancellationToken);
        if (real is null || cutouts.Count == 0)
        {
            return null;
        }

        float[] embedded = Embed(cutouts, cancellationToken);
        using var scope = NewDisposeScope();
        int d = _filter.Model.Config.ProjectionDim;
        Tensor mean = tensor(real).view(-1, d).mean([0]);
        Tensor candidates = tensor(embedded).view(-1, d);
        // Mean of unit dot products = dot product with the mean of the real unit embeddings.
        return [.. matmul(candidates, mean).data<float>().Select(v => (double)v)];
    }

    private float[]? RealEmbeddings(CategoryInfo category, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_cache.TryGetValue(category.Name, out float[]? cached))
            {
                return cached;
            }

            float[]? embedded = null;
            if (_byName.TryGetValue(CategoryMapping.NormalizeName(category.Name), out CocoCategory? match))
            {
                var crops = new List<Tensor>();
                try
                {
                    ReadCrops(match, crops, cancellationToken);
                    embedded = crops.Count == 0 ? null : Embed(crops, cancellationToken);
                    CropsEmbedded += crops.Count;
                }
                finally
                {
                    foreach (Tensor crop in crops)
                    {
                        crop.Dispose();
                    }
                }
            }

            if (embedded is null)
            {
                RealCropLog.NoRealCrops(_logger, category.Name, _options.Dataset.SourceName);
            }

            _cache[category.Name] = embedded;
            return embedded;
        }
    }

    /// <summary>The category's usable annotations (by id), a seeded sample of at most the cap, each cut out on white.</summary>
    private void ReadCrops(CocoCategory category, List<Tensor> crops, CancellationToken cancellationToken)
    {
        CocoAnnotation[] usable = [.. _options.Dataset.Annotations
            .Where(a => a.CategoryId == category.Id && !a.Crowd && a.Segmentation is not null)
            .Where(a => a.Bbox is not { } box || Math.Min(box.Width, box.Height) >= _options.MinCropSide)
            .OrderBy(a => a.Id)];
        if (usable.Length > _options.MaxCropsPerCategory)
        {
            new Random(_options.Seed).Shuffle(usable);
            usable = [.. usable.Take(_options.MaxCropsPerCategory).OrderBy(a => a.Id)];
        }

        var load = new ImageLoadOptions { Channels = ImageChannels.Rgb };
        foreach (var group in usable.GroupBy(a => a.ImageId))
        {
            cancellationToken.ThrowIfCancellationRequested();
            CocoImage info = _options.Dataset.GetImage(group.Key);
            string path = _options.Dataset.ImageFilePath(info, _options.ImagesFolder);
            using Tensor image = ImageIO.Load(path, load);
            foreach (CocoAnnotation annotation in group)
            {
                Rle rle = _options.Dataset.DecodeMask(annotation);
                CocoBox box = rle.BoundingBox;
                if (rle.Height != image.shape[1] || rle.Width != image.shape[2])
                {
                    throw new InvalidInputException(path, $"is {image.shape[2]}x{image.shape[1]} but annotation {annotation.Id}'s mask is {rle.Width}x{rle.Height}");
                }

                if (Math.Min(box.Width, box.Height) < _options.MinCropSide)
                {
                    continue;
                }

                using var scope = NewDisposeScope();
                long x = (long)box.X, y = (long)box.Y, w = (long)box.Width, h = (long)box.Height;
                Tensor mask = MaskCodec.DecodeOne(rle).narrow(0, y, h).narrow(1, x, w);
                Tensor rgb = image.narrow(1, y, h).narrow(2, x, w);
                crops.Add(ClipImageProcessor.WhiteBackground(rgb, mask.to(ScalarType.Bool)).contiguous().DetachFromDisposeScope());
            }
        }
    }

    /// <summary>Unit CLIP image embeddings, row after row (<c>N x ProjectionDim</c>), in the filter's batches.</summary>
    private float[] Embed(IReadOnlyList<Tensor> images, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        return _filter.EmbedImages(images, features => features.to(ScalarType.Float32).cpu(), batchCompleted: null, cancellationToken)?.data<float>().ToArray() ?? [];
    }
}

internal static partial class RealCropLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "{Category}: {Dataset} has no usable real object of this category; its cut-outs are kept without the real-crop similarity check")]
    public static partial void NoRealCrops(ILogger logger, string category, string dataset);
}
