using XPaste.Abstractions;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>One of SAM's three multimask outputs as an extractor (<c>sam-0</c>, <c>sam-1</c>, <c>sam-2</c>), served from the shared <see cref="SamOutputCache"/>.</summary>
internal sealed class SamMultimaskCandidate(SamOutputCache cache, int output) : IInstanceExtractor
{
    /// <summary>The multimask output this candidate gives (0-2).</summary>
    public int Output { get; } = output;

    public string Name => $"sam-{Output}";

    public IReadOnlyList<Tensor> Extract(IReadOnlyList<Tensor> images, IReadOnlyList<CategoryInfo> categories, CancellationToken cancellationToken = default) =>
        cache.Take(Output, images, categories, cancellationToken);
}
