using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// LCM's guidance-scale embedding (diffusers' <c>get_guidance_scale_embedding</c>), the <c>timestep_cond</c> of a
/// UNet with <c>time_cond_proj_dim</c>. It differs from the UNet's own timestep features on purpose: it divides by
/// <c>half - 1</c> (not <c>half</c>) and puts sin before cos.
/// </summary>
public static class GuidanceEmbedding
{
    /// <summary>The embedding of <c>w = guidance_scale - 1</c> per image, computed in float32 as diffusers does.</summary>
    /// <param name="w">The guidance values <c>[B]</c> (any dtype, any device).</param>
    /// <param name="dim">The width (the UNet's <c>time_cond_proj_dim</c>); an odd width gets a zero last column.</param>
    /// <returns><c>[B,dim]</c> float32 on <paramref name="w"/>'s device.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is below 4 (half - 1 would not be positive).</exception>
    public static Tensor Compute(Tensor w, int dim)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 4);
        using var scope = NewDisposeScope();
        long half = dim / 2;
        Tensor scaled = w.to(ScalarType.Float32).flatten() * 1000f;
        Tensor step = tensor(10000f, device: scaled.device).log() / (half - 1);
        Tensor frequencies = (arange(half, ScalarType.Float32, scaled.device) * -step).exp();
        Tensor args = scaled.unsqueeze(1) * frequencies.unsqueeze(0);
        Tensor emb = cat([args.sin(), args.cos()], 1);
        if (dim % 2 == 1)
        {
            emb = nn.functional.pad(emb, new long[] { 0, 1 });
        }

        return emb.MoveToOuterDisposeScope();
    }

    /// <summary>The embedding for one guidance scale, repeated for <paramref name="images"/> images.</summary>
    /// <param name="guidanceScale">The pipeline's guidance scale; the embedded value is <c>guidanceScale - 1</c>.</param>
    /// <param name="images">Rows.</param>
    /// <param name="dim">The width.</param>
    /// <returns><c>[images,dim]</c> float32 on the CPU.</returns>
    public static Tensor ForScale(double guidanceScale, int images, int dim)
    {
        using var scope = NewDisposeScope();
        Tensor w = full(images, (float)(guidanceScale - 1), ScalarType.Float32);
        return Compute(w, dim).MoveToOuterDisposeScope();
    }
}
