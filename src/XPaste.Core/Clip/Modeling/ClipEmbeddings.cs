using TorchSharp.Modules;
using static TorchSharp.torch;

namespace XPaste.Clip;

/// <summary>Token plus learned position embeddings (transformers' <c>CLIPTextEmbeddings</c>).</summary>
internal sealed class ClipTextEmbeddings : nn.Module<Tensor, Tensor>
{
    internal readonly Embedding token_embedding;
    internal readonly Embedding position_embedding;

    public ClipTextEmbeddings(ClipTextConfig config, Device? device) : base(nameof(ClipTextEmbeddings))
    {
        token_embedding = nn.Embedding(config.VocabSize, config.HiddenSize, device: device);
        position_embedding = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize, device: device);
        RegisterComponents();
    }

    /// <param name="inputIds"><c>int64 [B,T]</c>, T at most <c>max_position_embeddings</c>.</param>
    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        long length = inputIds.shape[1];
        // The position_ids buffer of transformers is arange(T); slicing the table is the same lookup.
        Tensor positions = position_embedding.weight!.narrow(0, 0, length);
        return (token_embedding.call(inputIds) + positions).MoveToOuterDisposeScope();
    }
}

/// <summary>Class token, non-overlapping patch projection and learned positions (transformers' <c>CLIPVisionEmbeddings</c>).</summary>
internal sealed class ClipVisionEmbeddings : nn.Module<Tensor, Tensor>
{
    internal readonly Parameter class_embedding;
    internal readonly Conv2d patch_embedding;
    internal readonly Embedding position_embedding;

    public ClipVisionEmbeddings(ClipVisionConfig config, Device? device) : base(nameof(ClipVisionEmbeddings))
    {
        class_embedding = new Parameter(randn(config.HiddenSize, ScalarType.Float32, device));
        patch_embedding = nn.Conv2d(config.NumChannels, config.HiddenSize, config.PatchSize, stride: config.PatchSize, bias: false, device: device);
        position_embedding = nn.Embedding(config.NumPatches + 1, config.HiddenSize, device: device);
        RegisterComponents();
    }

    /// <param name="pixels"><c>[B,C,S,S]</c> at the configured image size.</param>
    public override Tensor forward(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        long batch = pixels.shape[0];
        Tensor weight = patch_embedding.weight!;
        Tensor patches = patch_embedding.call(pixels.to(weight.dtype)).flatten(2).transpose(1, 2);
        Tensor cls = class_embedding.to(weight.dtype).expand(batch, 1, -1);
        Tensor embeddings = cat([cls, patches], 1) + position_embedding.weight!.unsqueeze(0);
        return embeddings.MoveToOuterDisposeScope();
    }
}
