using Microsoft.Extensions.Logging;
using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Extraction;
using static TorchSharp.torch;

namespace XPaste.Offline;

/// <summary>One run's state: batches in, each category decided and written whole.</summary>
public sealed partial class OfflinePipeline
{
    /// <summary>The state of one <see cref="RunAsync"/> call.</summary>
    private sealed partial class Run(OfflinePipeline stage, IInstanceSource source, InstanceBank bank, IProgress<OperationProgress>? progress)
    {
        private readonly List<Held> _held = [];
        private readonly Dictionary<CategoryInfo, List<ulong>> _hashes = [];
        private CategoryInfo? _category;
        private long _done;

        public long? Total { get; set; }

        /// <summary>The run's token, for the work done at a category's decision (real-crop embeddings).</summary>
        public CancellationToken CancellationToken { get; init; }

        public int Added { get; private set; }

        public int Skipped { get; private set; }

        public int Rejected { get; private set; }

        public Dictionary<string, int> AddedByExtractor { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, int> RejectedByKind { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (int Added, int Rejected)> ByCategory { get; } = new(StringComparer.Ordinal);

        public void Report() => progress?.Report(new OperationProgress("extract", _done, Total, "images"));

        /// <summary>Holds a rejection decided before extraction with its category's other results.</summary>
        public void Hold(BankRejection rejection, CategoryInfo category)
        {
            if (_category is not null && category != _category && stage._selector.Filter is not null)
            {
                Commit();
            }

            _category = category;
            _held.Add(new Held(category, rejection.Source, "", "", null, CutoutRejection.None, 0, 0, null, null, rejection));
            _done++;
            Report();
        }

        public bool SkipIfProcessed(string id)
        {
            if (!bank.IsProcessed(SourceKey(source, id)))
            {
                return false;
            }

            Skipped++;
            _done++;
            Report();
            return true;
        }

        public void Process(List<SourceImage> batch, CancellationToken cancellationToken)
        {
            if (batch.Count == 0)
            {
                return;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var images = new List<Tensor>(batch.Count);
            IReadOnlyList<InstanceSelection> selections;
            try
            {
                foreach (SourceImage item in batch)
                {
                    // Held across awaits: out of any (per-thread) dispose scope; disposed below.
                    Tensor rgb = item.Image.narrow(0, 0, 3).DetachFromDisposeScope();
                    images.Add(stage._options.Device is { } device ? MoveTo(rgb, device) : rgb);
                }

                Tensor?[] masks = batch.Select(b => b.Mask).ToArray();
                selections = stage._selector.Select(images, batch.Select(b => b.Category).ToArray(),
                    masks.Any(m => m is not null) ? masks : null, cancellationToken);
            }
            finally
            {
                foreach (Tensor image in images)
                {
                    image.Dispose();
                }
            }

            try
            {
                for (int i = 0; i < batch.Count; i++)
                {
                    InstanceSelection selection = selections[i];
                    SourceImage item = batch[i];
                    if (_category is not null && item.Category != _category && stage._selector.Filter is not null)
                    {
                        Commit();
                    }

                    _category = item.Category;
                    // Hold the category's cut-outs on the CPU until its decision, so device memory stays flat.
                    Tensor? rgba = null;
                    if (selection.Cutout.IsAccepted)
                    {
                        Tensor detached = selection.Cutout.DetachRgba();
                        rgba = detached.device_type == TorchSharp.DeviceType.CPU ? detached : MoveToCpu(detached);
                    }

                    _held.Add(new Held(item.Category, SourceKey(source, item.Id), item.Origin, selection.Extractor, selection.Score,
                        selection.Cutout.Rejection, selection.Cutout.AreaFraction, Math.Min(selection.Cutout.Width, selection.Cutout.Height), rgba, RunnersUp(selection)));
                }
            }
            finally
            {
                foreach (InstanceSelection selection in selections)
                {
                    selection.Dispose();
                }

                foreach (SourceImage item in batch)
                {
                    item.Dispose();
                }
            }

            _done += batch.Count;
            batch.Clear();
            Report();
            if (stage._selector.Filter is null && _held.Count >= UnfilteredCommitSize)
            {
                // Nothing to decide per category: commit in chunks so dataset sources (categories interleaved) stay cheap.
                Commit();
            }
        }

        /// <summary>Decides the held images (one category with a filter) over all their category's scores and writes their adds and rejects.</summary>
        public void Commit()
        {
            if (_held.Count == 0)
            {
                return;
            }

            var cutouts = new List<NewBankInstance>();
            var rejections = new List<BankRejection>();
            try
            {
                Judge(cutouts, rejections);

                foreach (BankRejection rejection in rejections)
                {
                    bank.Reject(rejection);
                }

                // One segment with the rejections recorded above: the category lands whole or not at all.
                if (cutouts.Count > 0)
                {
                    bank.AddRange(cutouts);
                }
                else
                {
                    bank.Flush();
                }
            }
            finally
            {
                DropCategory();
            }

            foreach (NewBankInstance cutout in cutouts)
            {
                AddedByExtractor[cutout.Extractor] = AddedByExtractor.GetValueOrDefault(cutout.Extractor) + 1;
                var counts = ByCategory.GetValueOrDefault(cutout.Category.Name);
                ByCategory[cutout.Category.Name] = (counts.Added + 1, counts.Rejected);
            }

            foreach (BankRejection rejection in rejections)
            {
                RejectedByKind[rejection.KindName] = RejectedByKind.GetValueOrDefault(rejection.KindName) + 1;
                var counts = ByCategory.GetValueOrDefault(rejection.Category ?? "");
                ByCategory[rejection.Category ?? ""] = (counts.Added, counts.Rejected + 1);
            }

            Added += cutouts.Count;
            Rejected += rejections.Count;
            if (stage._logger.IsEnabled(LogLevel.Information))
            {
                foreach (var group in cutouts.Select(c => (c.Category.Name, Kept: true)).Concat(rejections.Select(r => (Name: r.Category ?? "", Kept: false))).GroupBy(p => p.Name))
                {
                    int kept = group.Count(p => p.Kept), rejected = group.Count(p => !p.Kept);
                    ExtractionLog.Category(stage._logger, group.Key, kept, rejected);
                }
            }
        }

        /// <summary>Sorts the held images, in order, into cut-outs and rejections; the filter decides per category.</summary>
        private void Judge(List<NewBankInstance> cutouts, List<BankRejection> rejections)
        {
            var keep = new bool[_held.Count];
            var limits = new double?[_held.Count];
            foreach (var group in Enumerable.Range(0, _held.Count).GroupBy(i => _held[i].Category))
            {
                int[] members = [.. group];
                bool[] decided = Decide(members, out double? limit);
                for (int j = 0; j < members.Length; j++)
                {
                    keep[members[j]] = decided[j];
                    limits[members[j]] = limit;
                }
            }

            double?[] similarity = RealSimilarities(keep);
            double? minSimilarity = stage._options.RealSimilarity?.MinSimilarity;
            int? budget = stage._options.PerCategoryBudget;
            var inBank = new Dictionary<int, int>();
            for (int i = 0; i < _held.Count; i++)
            {
                Held h = _held[i];
                CategoryInfo category = h.Category;
                int count = inBank.TryGetValue(category.Id, out int c) ? c : bank.CategoryCounts.GetValueOrDefault(category.Id);
                if (h.Early is not null)
                {
                    rejections.Add(h.Early);
                }
                else if (h.Rgba is null)
                {
                    rejections.Add(Describe(h, category.Name, stage._options.Selection.PostProcessing));
                }
                else if (!keep[i])
                {
                    rejections.Add(new BankRejection(h.Key, category.Name, RejectionKind.ClipRule, h.Extractor, h.Score, limits[i]));
                }
                else if (similarity[i] is double s && s < minSimilarity)
                {
                    rejections.Add(new BankRejection(h.Key, category.Name, RejectionKind.RealSimilarity, h.Extractor, Math.Round(s, 4), minSimilarity));
                }
                else if (budget is int limit && count >= limit)
                {
                    rejections.Add(new BankRejection(h.Key, category.Name, RejectionKind.OverBudget, h.Extractor, count, limit));
                }
                else
                {
                    cutouts.Add(new NewBankInstance(h.Rgba, category, h.Key, h.Extractor, h.Score, h.Origin, h.RunnersUp));
                    count++;
                }

                inBank[category.Id] = count;
            }
        }

        public void DropCategory()
        {
            foreach (Held h in _held)
            {
                h.Rgba?.Dispose();
            }

            _held.Clear();
            _category = null;
        }

        /// <summary>The filter's decision over every score of the category (post-processing failures included, as the reference); all kept without a filter.</summary>
        private bool[] Decide(int[] members, out double? limit)
        {
            var keep = new bool[members.Length];
            IZeroShotFilter? filter = stage._selector.Filter;
            limit = null;
            if (filter is null)
            {
                Array.Fill(keep, true);
                return keep;
            }

            int[] scored = Enumerable.Range(0, members.Length).Where(j => _held[members[j]].Score is not null).ToArray();
            float[] scores = scored.Select(j => _held[members[j]].Score!.Value).ToArray();
            bool[] decided = filter.Decide(scores);
            if (decided.Length != scored.Length)
            {
                throw new InvalidOperationException($"the zero-shot filter decided {decided.Length} of {scored.Length} scores");
            }

            for (int k = 0; k < scored.Length; k++)
            {
                keep[scored[k]] = decided[k];
            }

            // The reference's rule has a threshold to report; a rule without one is reported without it.
            limit = filter.KeepThreshold(scores) is double threshold ? Math.Round(threshold, 4) : null;

            return keep;
        }

        private static Tensor MoveTo(Tensor tensor, Device device)
        {
            // TorchSharp's Device compares by reference, so compare what it names.
            if (tensor.device_type == device.type && tensor.device_index == device.index)
            {
                return tensor;
            }

            try
            {
                return tensor.to(device).DetachFromDisposeScope();
            }
            finally
            {
                tensor.Dispose();
            }
        }

        private static Tensor MoveToCpu(Tensor tensor)
        {
            try
            {
                return tensor.cpu();
            }
            finally
            {
                tensor.Dispose();
            }
        }

        private static BankRejection Describe(Held h, string category, InstancePostProcessorOptions options) => h.Rejection switch
        {
            CutoutRejection.Empty => new BankRejection(h.Key, category, RejectionKind.EmptyMask, h.Extractor),
            CutoutRejection.TooSmall => new BankRejection(h.Key, category, RejectionKind.AreaBelowMin, h.Extractor, Math.Round(h.Area, 6), options.MinArea),
            CutoutRejection.TooLarge => new BankRejection(h.Key, category, RejectionKind.AreaAboveMax, h.Extractor, Math.Round(h.Area, 6), options.MaxArea),
            CutoutRejection.TooThin => new BankRejection(h.Key, category, RejectionKind.TooThin, h.Extractor, h.MinSide, options.MinSide),
            CutoutRejection.CutoutTooSmall => new BankRejection(h.Key, category, RejectionKind.CutoutTooSmall, h.Extractor, h.MinSide, options.MinCutoutSide),
            _ => new BankRejection(h.Key, category, RejectionKind.Other, h.Extractor) { Note = h.Rejection.ToString() },
        };
    }

    /// <summary>Results are committed after this many images when there is no per-category decision to wait for.</summary>
    private const int UnfilteredCommitSize = 64;

    private sealed record Held(CategoryInfo Category, string Key, string Origin, string Extractor, float? Score, CutoutRejection Rejection, double Area, int MinSide, Tensor? Rgba,
        IReadOnlyDictionary<string, float>? RunnersUp, BankRejection? Early = null);

    /// <summary>The scores of the candidates that lost to the chosen one; null when there were none.</summary>
    private static Dictionary<string, float>? RunnersUp(InstanceSelection selection)
    {
        var others = selection.Scores.Where(p => p.Key != selection.Extractor).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        return others.Count == 0 ? null : others;
    }
}
