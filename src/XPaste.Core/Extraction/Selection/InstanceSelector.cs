using XPaste.Abstractions;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// Runs several extractors on the same images and keeps, for each image, the mask a zero-shot filter scores best on
/// the reference's view (the full frame, foreground kept, the rest white), then cuts it out with
/// <see cref="InstancePostProcessor"/>. Without a filter, the extractors are a preference order: the first whose
/// mask passes the post-processing wins. Extractors are called with the images' categories (the category-aware
/// <see cref="IInstanceExtractor.Extract"/>),
/// so text-prompted ones such as <see cref="ClipSegExtractor"/> take part like the others.
/// </summary>
public sealed class InstanceSelector
{
    /// <summary>The name recorded for a mask that came with the source image instead of from an extractor.</summary>
    public const string SourceMaskName = "annotation";

    private readonly IReadOnlyList<IInstanceExtractor> _extractors;
    private readonly IZeroShotFilter? _filter;
    private readonly InstanceSelectorOptions _options;
    private readonly InstancePostProcessor _postProcessor;

    /// <summary>Creates the selector.</summary>
    /// <param name="extractors">The extractors, in order of preference (ties and the no-filter fallback follow it); none when every image brings its own mask.</param>
    /// <param name="filter">Scores the candidates; null for the fallback.</param>
    /// <param name="options">Post-processing and the next-best rule; <see cref="InstanceSelectorOptions.Default"/> when null.</param>
    public InstanceSelector(IReadOnlyList<IInstanceExtractor> extractors, IZeroShotFilter? filter = null, InstanceSelectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(extractors);
        if (extractors.Any(e => e is null))
        {
            throw new ArgumentException("an extractor is null", nameof(extractors));
        }

        var duplicate = extractors.GroupBy(e => e.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"two extractors are named '{duplicate.Key}'; the bank records the name", nameof(extractors));
        }

        _extractors = extractors.ToArray();
        _filter = filter;
        _options = options ?? InstanceSelectorOptions.Default;
        _postProcessor = new InstancePostProcessor(_options.PostProcessing);
    }

    /// <summary>The extractors, in order of preference.</summary>
    public IReadOnlyList<IInstanceExtractor> Extractors => _extractors;

    /// <summary>The zero-shot filter, or null.</summary>
    public IZeroShotFilter? Filter => _filter;

    /// <summary>Selects a mask for each image and cuts it out.</summary>
    /// <param name="images"><c>uint8</c> <c>[3,H,W]</c> images (any sizes), ideally already on the extractors' device.</param>
    /// <param name="categories">The category each image should show (scores are per category).</param>
    /// <param name="sourceMasks">Optional masks that came with the images (null entries for none); each joins its image's candidates as <see cref="SourceMaskName"/>.</param>
    /// <param name="cancellationToken">Stops the work between extractors.</param>
    /// <returns>One selection per image, in order; the caller disposes them.</returns>
    public IReadOnlyList<InstanceSelection> Select(IReadOnlyList<Tensor> images, IReadOnlyList<CategoryInfo> categories,
        IReadOnlyList<Tensor?>? sourceMasks = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(categories);
        if (categories.Count != images.Count || (sourceMasks is not null && sourceMasks.Count != images.Count))
        {
            throw new ArgumentException("give one category (and, if any, one source mask entry) per image");
        }

        int n = images.Count;
        var candidates = new List<(string Name, Tensor Mask)>[n];
        for (int i = 0; i < n; i++)
        {
            candidates[i] = [];
        }

        var selections = new List<InstanceSelection>(n);
        try
        {
            foreach (IInstanceExtractor extractor in _extractors)
            {
                cancellationToken.ThrowIfCancellationRequested();
                IReadOnlyList<Tensor> masks = extractor.Extract(images, categories, cancellationToken);
                if (masks.Count != n)
                {
                    foreach (Tensor mask in masks)
                    {
                        mask.Dispose();
                    }

                    throw new InvalidOperationException($"extractor '{extractor.Name}' returned {masks.Count} masks for {n} images");
                }

                for (int i = 0; i < n; i++)
                {
                    // Held across awaits: out of any (per-thread) dispose scope an extractor may have left them in.
                    candidates[i].Add((extractor.Name, masks[i].DetachFromDisposeScope()));
                }
            }

            if (sourceMasks is not null)
            {
                for (int i = 0; i < n; i++)
                {
                    if (sourceMasks[i] is { } given)
                    {
                        candidates[i].Add((SourceMaskName, given.alias()));
                    }
                }
            }

            float[][]? scores = _filter is null ? null : ScoreCandidates(images, categories, candidates, cancellationToken);
            for (int i = 0; i < n; i++)
            {
                if (candidates[i].Count == 0)
                {
                    throw new ArgumentException($"image {i} has no candidate mask: give an extractor or a source mask");
                }

                selections.Add(Choose(images[i], candidates[i], scores?[i]));
            }

            return selections;
        }
        catch
        {
            foreach (InstanceSelection selection in selections)
            {
                selection.Dispose();
            }

            throw;
        }
        finally
        {
            foreach (var list in candidates)
            {
                foreach (var (_, mask) in list)
                {
                    mask.Dispose();
                }
            }
        }
    }

    /// <summary>Scores every candidate's white-background view, one filter call per category in the batch.</summary>
    private float[][] ScoreCandidates(IReadOnlyList<Tensor> images, IReadOnlyList<CategoryInfo> categories,
        List<(string Name, Tensor Mask)>[] candidates, CancellationToken cancellationToken)
    {
        var scores = candidates.Select(c => new float[c.Count]).ToArray();
        byte threshold = _options.PostProcessing.AlphaThreshold;
        foreach (var group in Enumerable.Range(0, images.Count).GroupBy(i => categories[i]))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var owners = new List<(int Image, int Candidate)>();
            var views = new List<Tensor>();
            try
            {
                foreach (int i in group)
                {
                    for (int c = 0; c < candidates[i].Count; c++)
                    {
                        views.Add(InstancePostProcessor.OnWhite(images[i], candidates[i][c].Mask, threshold).DetachFromDisposeScope());
                        owners.Add((i, c));
                    }
                }

                float[] result = _filter!.Score(views, group.Key, cancellationToken);
                if (result.Length != views.Count)
                {
                    throw new InvalidOperationException($"the zero-shot filter returned {result.Length} scores for {views.Count} images");
                }

                for (int k = 0; k < owners.Count; k++)
                {
                    scores[owners[k].Image][owners[k].Candidate] = result[k];
                }
            }
            finally
            {
                foreach (Tensor view in views)
                {
                    view.Dispose();
                }
            }
        }

        return scores;
    }

    private InstanceSelection Choose(Tensor image, List<(string Name, Tensor Mask)> candidates, float[]? scores)
    {
        // Best score first; equal scores (and the no-filter fallback) keep the extractors' order.
        int[] order = Enumerable.Range(0, candidates.Count)
            .OrderByDescending(c => scores?[c] ?? 0f)
            .ThenBy(c => c)
            .ToArray();
        bool tryOthers = scores is null || _options.TryNextBest;
        Dictionary<string, float>? all = scores is null ? null
            : Enumerable.Range(0, candidates.Count).ToDictionary(c => candidates[c].Name, c => scores[c], StringComparer.Ordinal);
        InstanceSelection? first = null;
        foreach (int c in order)
        {
            CutoutOutcome cutout = _postProcessor.Process(image, candidates[c].Mask);
            var selection = new InstanceSelection(candidates[c].Name, scores?[c], cutout, all);
            if (cutout.IsAccepted)
            {
                first?.Dispose();
                return selection;
            }

            if (first is null)
            {
                first = selection;
            }
            else
            {
                selection.Dispose();
            }

            if (!tryOthers)
            {
                break;
            }
        }

        // Nothing passed: report the winner's rejection (the reference's outcome).
        return first!;
    }
}
