using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>What <see cref="SamModel"/> predicts for a batch of prompts (transformers' <c>SamImageSegmentationOutput</c>). Owns its tensors.</summary>
public sealed class SamOutput : IDisposable
{
    internal SamOutput(Tensor iouScores, Tensor predMasks)
    {
        IouScores = iouScores;
        PredMasks = predMasks;
    }

    /// <summary>Predicted IoU of each mask, <c>float32 [B,P,M]</c> (M = 3 with multimask output, else 1).</summary>
    public Tensor IouScores { get; }

    /// <summary>Low-resolution mask logits, <c>float32 [B,P,M,h,w]</c> (256x256 for the published models); see <see cref="SamProcessor.PostProcessMasks"/>.</summary>
    public Tensor PredMasks { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        IouScores.Dispose();
        PredMasks.Dispose();
    }
}
