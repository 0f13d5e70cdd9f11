using XPaste.Augment;
using XPaste.Coco;
using static TorchSharp.torch;

namespace XPaste.TrainingLoop;

/// <summary>A batch's per-pixel training targets: class indices (0 = background) and loss weights.</summary>
internal static class PixelTargets
{
    /// <summary>
    /// Class index per pixel, sampled every <paramref name="stride"/> pixels, from each image's masks and labels;
    /// the weight of pixels of pasted objects (<see cref="PasteTargets.IsPasted"/>) is <paramref name="pastedWeight"/>,
    /// every other pixel's 1.
    /// </summary>
    /// <returns>int64 [B,h,w] targets and float32 [B,h,w] weights, on <paramref name="device"/>.</returns>
    public static (Tensor Targets, Tensor Weights) Build(IReadOnlyList<PasteTargets> batch, ClassIndexMap classes, int stride,
        double pastedWeight, Device device)
    {
        var targets = new List<Tensor>(batch.Count);
        var weights = new List<Tensor>(batch.Count);
        foreach (PasteTargets t in batch)
        {
            // Masks are bool [N,H,W]; a strided view is the nearest-neighbour downsampling.
            Tensor masks = t.Masks[.., TensorIndex.Slice(null, null, stride), TensorIndex.Slice(null, null, stride)].to(device);
            Tensor indices = classes.ToIndices(t.Labels).to(device);            // category ids -> 1..C
            if (t.Count == 0)
            {
                targets.Add(zeros(masks.shape[1], masks.shape[2], ScalarType.Int64, device));
                weights.Add(ones(masks.shape[1], masks.shape[2], device: device));
                continue;
            }

            // Where objects overlap, the higher index wins: occlusion has already cut hidden parts out of the masks.
            targets.Add((masks.to(ScalarType.Int64) * indices.view(-1, 1, 1)).amax([0]));
            Tensor pasted = masks.index(t.IsPasted.to(device)).any(0);
            weights.Add(pasted.to(ScalarType.Float32) * (pastedWeight - 1.0) + 1.0);
        }

        return (stack(targets), stack(weights));
    }
}
