using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>Shape checks of <see cref="SamModel"/>'s inputs, with messages naming the argument (as the reference's own checks).</summary>
internal static class SamInputChecks
{
    public static void Prompts(SamConfig config, long batch, Tensor? inputPoints, Tensor? inputLabels, Tensor? inputBoxes, Tensor? inputMasks)
    {
        long? pointBatch = null;
        if (inputPoints is not null)
        {
            if (inputPoints.dim() != 4 || inputPoints.shape[0] != batch || inputPoints.shape[3] != 2)
            {
                throw new ArgumentException($"input points must be [{batch},P,N,2], got [{Shape(inputPoints)}]", nameof(inputPoints));
            }

            if (inputLabels is null || inputLabels.dim() != 3 || !inputLabels.shape.SequenceEqual(inputPoints.shape.AsSpan(0, 3).ToArray()))
            {
                throw new ArgumentException($"input labels must be [{Shape(inputPoints, 3)}] to go with the points, got {(inputLabels is null ? "none" : $"[{Shape(inputLabels)}]")}", nameof(inputLabels));
            }

            pointBatch = inputPoints.shape[1];
        }
        else if (inputLabels is not null)
        {
            throw new ArgumentException("input labels were given without input points", nameof(inputLabels));
        }

        if (inputBoxes is not null)
        {
            if (inputBoxes.dim() != 3 || inputBoxes.shape[0] != batch || inputBoxes.shape[2] != 4)
            {
                throw new ArgumentException($"input boxes must be [{batch},P,4], got [{Shape(inputBoxes)}]", nameof(inputBoxes));
            }

            if (pointBatch is long p && p != inputBoxes.shape[1])
            {
                throw new ArgumentException($"input boxes give {inputBoxes.shape[1]} prompts per image but the points give {p}", nameof(inputBoxes));
            }
        }

        long side = 4L * config.PromptEncoder.ImageEmbeddingSize;
        if (inputMasks is not null && (inputMasks.dim() != 4 || inputMasks.shape[0] != batch || inputMasks.shape[1] != 1 || inputMasks.shape[2] != side || inputMasks.shape[3] != side))
        {
            throw new ArgumentException($"input masks must be [{batch},1,{side},{side}], got [{Shape(inputMasks)}]", nameof(inputMasks));
        }
    }

    public static void Embeddings(SamConfig config, Tensor imageEmbeddings)
    {
        long c = config.Vision.OutputChannels, g = config.PromptEncoder.ImageEmbeddingSize;
        if (imageEmbeddings.dim() != 4 || imageEmbeddings.shape[1] != c || imageEmbeddings.shape[2] != g || imageEmbeddings.shape[3] != g)
        {
            throw new ArgumentException($"image embeddings must be [B,{c},{g},{g}] (GetImageEmbeddings' output), got [{Shape(imageEmbeddings)}]", nameof(imageEmbeddings));
        }
    }

    private static string Shape(Tensor t, int count = -1) => string.Join(",", count < 0 ? t.shape : t.shape[..count]);
}
