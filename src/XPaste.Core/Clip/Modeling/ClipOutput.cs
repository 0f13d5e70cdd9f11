using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using TorchSharp.Modules;
using XPaste.Hub;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Clip;

/// <summary>The result of <see cref="ClipModel.Forward"/>; owns its tensors.</summary>
public sealed class ClipOutput : IDisposable
{
    internal ClipOutput(Tensor logitsPerImage, Tensor logitsPerText, Tensor imageEmbeds, Tensor textEmbeds)
    {
        LogitsPerImage = logitsPerImage;
        LogitsPerText = logitsPerText;
        ImageEmbeds = imageEmbeds;
        TextEmbeds = textEmbeds;
    }

    /// <summary><c>float32 [N,K]</c>: scaled cosine similarity of each image with each text.</summary>
    public Tensor LogitsPerImage { get; }

    /// <summary><c>float32 [K,N]</c>: the transpose of <see cref="LogitsPerImage"/>.</summary>
    public Tensor LogitsPerText { get; }

    /// <summary><c>float32 [N,D]</c>: L2-normalised image embeddings.</summary>
    public Tensor ImageEmbeds { get; }

    /// <summary><c>float32 [K,D]</c>: L2-normalised text embeddings.</summary>
    public Tensor TextEmbeds { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        LogitsPerImage.Dispose();
        LogitsPerText.Dispose();
        ImageEmbeds.Dispose();
        TextEmbeds.Dispose();
    }
}
