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
    public override Tensor forward(Tensor pixels) => Embed(pixels, interpolate: false);

    /// <summary>
    /// The embeddings of <paramref name="pixels"/>; with <paramref name="interpolate"/> any square size whose patch
    /// grid differs from the configured one gets the position table resized to it (<see cref="PositionEmbedding"/>),
    /// as CLIPSeg does for its 352-pixel inputs.
    /// </summary>
    internal Tensor Embed(Tensor pixels, bool interpolate)
    {
        using var scope = NewDisposeScope();
        long batch = pixels.shape[0];
        Tensor weight = patch_embedding.weight!;
        Tensor grid = patch_embedding.call(pixels.to(weight.dtype));
        Tensor patches = grid.flatten(2).transpose(1, 2);
        Tensor cls = class_embedding.to(weight.dtype).expand(batch, 1, -1);
        Tensor positions = interpolate ? PositionEmbedding(grid.shape[2]) : position_embedding.weight!.unsqueeze(0);
        Tensor embeddings = cat([cls, patches], 1) + positions;
        return embeddings.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The position table for a <paramref name="grid"/> x <paramref name="grid"/> patch grid, <c>[1, 1 + grid^2, C]</c>:
    /// the stored table when the grid is the configured one, otherwise its patch rows as a square image resized with
    /// bicubic interpolation (a = -0.75, align_corners false, no antialiasing: transformers'
    /// <c>interpolate_pos_encoding</c>) and the class row put back in front unchanged. Recomputed on every call, as
    /// the reference does, so that a model serves every input size.
    /// </summary>
    internal Tensor PositionEmbedding(long grid)
    {
        Tensor table = position_embedding.weight!;
        long stored = (long)Math.Round(Math.Sqrt(table.shape[0] - 1));
        if (grid == stored)
        {
            return table.unsqueeze(0);
        }

        using var scope = NewDisposeScope();
        long channels = table.shape[1];
        // Row-major patch rows -> [1, C, stored, stored] -> resized -> back to rows.
        Tensor square = table.narrow(0, 1, stored * stored).t().reshape(1, channels, stored, stored);
        Tensor resized = nn.functional.interpolate(square.to(ScalarType.Float32), new[] { grid, grid }, mode: InterpolationMode.Bicubic, align_corners: false);
        Tensor rows = resized.reshape(channels, grid * grid).t().to(table.dtype);
        return cat([table.narrow(0, 0, 1), rows], 0).unsqueeze(0).MoveToOuterDisposeScope();
    }
}
