using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>What <see cref="SamProcessor.Preprocess"/> gives: the model input and the sizes post-processing needs. Owns <see cref="PixelValues"/>.</summary>
public sealed class SamImageBatch : IDisposable
{
    internal SamImageBatch(Tensor pixelValues, IReadOnlyList<(int Height, int Width)> originalSizes, IReadOnlyList<(int Height, int Width)> reshapedInputSizes)
    {
        PixelValues = pixelValues;
        OriginalSizes = originalSizes;
        ReshapedInputSizes = reshapedInputSizes;
    }

    /// <summary><c>float32 [B,3,S,S]</c>: resized, normalised, then zero-padded at the bottom and right.</summary>
    public Tensor PixelValues { get; }

    /// <summary>Each image's size before the resize (transformers' <c>original_sizes</c>).</summary>
    public IReadOnlyList<(int Height, int Width)> OriginalSizes { get; }

    /// <summary>Each image's size after the resize, before the padding (transformers' <c>reshaped_input_sizes</c>).</summary>
    public IReadOnlyList<(int Height, int Width)> ReshapedInputSizes { get; }

    /// <inheritdoc />
    public void Dispose() => PixelValues.Dispose();
}
