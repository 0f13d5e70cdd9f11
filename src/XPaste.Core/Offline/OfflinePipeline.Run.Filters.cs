using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Imaging;
using static TorchSharp.torch;

namespace XPaste.Offline;

/// <summary>The opt-in quality filters of a run: near duplicates (before extraction) and real-crop similarity (at a category's decision).</summary>
public sealed partial class OfflinePipeline
{
    private sealed partial class Run
    {
        /// <summary>A near-duplicate rejection when <paramref name="image"/>'s perceptual hash is within <paramref name="distance"/> bits of an earlier image of its category (this run's, or one an earlier run processed); null (and the hash remembered) otherwise.</summary>
        public BankRejection? NearDuplicate(SourceImage image, int distance)
        {
            ulong hash = HashOf(image.Image);
            List<ulong> seen = _hashes.TryGetValue(image.Category, out var list) ? list : _hashes[image.Category] = [];
            int nearest = seen.Count == 0 ? int.MaxValue : seen.Min(h => PerceptualHash.Distance(h, hash));
            if (nearest <= distance)
            {
                return new BankRejection(SourceKey(source, image.Id), image.Category.Name, RejectionKind.NearDuplicate, null, nearest, distance);
            }

            seen.Add(hash);
            return null;
        }

        private static ulong HashOf(Tensor image)
        {
            using var scope = NewDisposeScope();
            Tensor rgb = image.narrow(0, 0, 3).cpu();
            Tensor rgba = cat(new[] { rgb, full_like(rgb.narrow(0, 0, 1), 255) }, 0).permute(1, 2, 0).contiguous();
            int height = checked((int)rgba.shape[0]), width = checked((int)rgba.shape[1]);
            return PerceptualHash.Compute(rgba.bytes, width, height, width * 4);
        }

        /// <summary>Per held image, the mean similarity of its kept cut-out to its category's real crops; null where not judged.</summary>
        private double?[] RealSimilarities(bool[] keep)
        {
            var similarity = new double?[_held.Count];
            if (stage._realCrops is not { } reference)
            {
                return similarity;
            }

            // Only what the CLIP rule kept is embedded, a category at a time.
            foreach (var group in Enumerable.Range(0, _held.Count).Where(i => keep[i] && _held[i].Early is null && _held[i].Rgba is not null).GroupBy(i => _held[i].Category))
            {
                int[] members = [.. group];
                double[]? values = reference.Similarities(group.Key, [.. members.Select(i => _held[i].Rgba!)], CancellationToken);
                for (int j = 0; values is not null && j < members.Length; j++)
                {
                    similarity[members[j]] = values[j];
                }
            }

            return similarity;
        }
    }
}
