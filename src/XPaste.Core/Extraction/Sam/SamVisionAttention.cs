using TorchSharp.Modules;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// transformers' <c>SamVisionAttention</c>: multi-head attention over a <c>[B,H,W,C]</c> token grid (a window or the
/// whole grid) with a fused qkv projection and decomposed relative positions: <c>rel_h[y,x,ky] = q[y,x] . rel_pos_h[y - ky + size - 1]</c>
/// with the unscaled query (likewise along x), added to the scaled scores before an fp32 softmax.
/// </summary>
internal sealed class SamVisionAttention : nn.Module<Tensor, Tensor>
{
    internal readonly Linear qkv;
    internal readonly Linear proj;
    internal readonly Parameter? rel_pos_h;
    internal readonly Parameter? rel_pos_w;
    private readonly int _heads;
    private readonly double _scale;

    /// <param name="config">The encoder.</param>
    /// <param name="size">The side of the grid it attends over: the window, or the patch grid for a global layer.</param>
    /// <param name="device">Where the parameters live.</param>
    public SamVisionAttention(SamVisionConfig config, int size, Device? device) : base(nameof(SamVisionAttention))
    {
        _heads = config.NumAttentionHeads;
        int headDim = config.HiddenSize / _heads;
        _scale = Math.Pow(headDim, -0.5);
        qkv = nn.Linear(config.HiddenSize, 3 * config.HiddenSize, hasBias: config.QkvBias, device: device);
        proj = nn.Linear(config.HiddenSize, config.HiddenSize, device: device);
        if (config.UseRelPos)
        {
            rel_pos_h = new Parameter(zeros(2 * size - 1, headDim, ScalarType.Float32, device));
            rel_pos_w = new Parameter(zeros(2 * size - 1, headDim, ScalarType.Float32, device));
        }

        RegisterComponents();
    }

    /// <summary>
    /// Above this many score bytes (all heads) the queries are taken a few grid rows at a time, so that scores,
    /// relative positions and softmax stay in cache: at SAM's 64x64 global layers (805 MB of scores) this halved the
    /// attention's CPU time (docs/performance.md, SAM side by side). Results are identical.
    /// </summary>
    internal long ChunkBytes { get; set; } = 32L << 20;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        long batch = input.shape[0], height = input.shape[1], width = input.shape[2], channels = input.shape[3];
        long headDim = channels / _heads;
        Tensor[] qkvs = qkv.call(input).reshape(batch, height * width, 3, _heads, headDim).permute(2, 0, 3, 1, 4)
            .reshape(3, batch * _heads, height * width, headDim).unbind(0);
        Tensor q = qkvs[0], k = qkvs[1], v = qkvs[2];
        Tensor? relH = null, relW = null;
        if (rel_pos_h is not null && rel_pos_w is not null)
        {
            (relH, relW) = RelativePositions(q, height, width);
        }

        long bh = q.shape[0];
        long rowBytes = bh * width * height * width * q.ElementSize;
        long rows = Math.Clamp(ChunkBytes / Math.Max(rowBytes, 1), 1, height);
        Tensor scaled = q * _scale, keys = k.transpose(-2, -1);
        Tensor attended;
        if (rows >= height)
        {
            attended = Attend(scaled, keys, v, relH, relW, height, width);
        }
        else
        {
            var parts = new List<Tensor>();
            for (long r = 0; r < height; r += rows)
            {
                long n = Math.Min(rows, height - r);
                parts.Add(Attend(scaled.narrow(1, r * width, n * width), keys, v, relH?.narrow(1, r, n), relW?.narrow(1, r, n), height, width));
            }

            attended = cat(parts, 1);
        }

        Tensor output = attended.reshape(batch, _heads, height, width, headDim).permute(0, 2, 3, 1, 4).reshape(batch, height, width, channels);
        return proj.call(output).MoveToOuterDisposeScope();
    }

    /// <summary>Softmax attention for a block of query rows (whole grid rows), relative positions added in place.</summary>
    private static Tensor Attend(Tensor scaledQuery, Tensor keysT, Tensor values, Tensor? relH, Tensor? relW, long height, long width)
    {
        using var scope = NewDisposeScope();
        Tensor scores = scaledQuery.matmul(keysT);
        if (relH is not null && relW is not null)
        {
            long bh = scores.shape[0], rows = scores.shape[1] / width;
            scores.view(bh, rows, width, height, width).add_(relH.unsqueeze(-1)).add_(relW.unsqueeze(-2));
        }

        return SamOps.Softmax(scores).matmul(values).MoveToOuterDisposeScope();
    }

    /// <summary><c>rel_h [BH,H,W,H]</c> and <c>rel_w [BH,H,W,W]</c> from the unscaled query.</summary>
    private (Tensor RelH, Tensor RelW) RelativePositions(Tensor query, long height, long width)
    {
        long bh = query.shape[0], headDim = query.shape[2];
        Tensor rh = RelativeTable(height, rel_pos_h!).to(query.dtype);
        Tensor rw = RelativeTable(width, rel_pos_w!).to(query.dtype);
        Tensor q = query.reshape(bh, height, width, headDim);
        return (einsum("bhwc,hkc->bhwk", q, rh), einsum("bhwc,wkc->bhwk", q, rw));
    }

    /// <summary>transformers' <c>get_rel_pos</c> for equal query and key sizes: rows <c>q - k + size - 1</c>; a table of another length is linearly resized first.</summary>
    private static Tensor RelativeTable(long size, Tensor table)
    {
        long rows = 2 * size - 1;
        Tensor resized = table.shape[0] == rows
            ? table
            : nn.functional.interpolate(table.reshape(1, table.shape[0], -1).permute(0, 2, 1), [rows], mode: InterpolationMode.Linear)
                .reshape(-1, rows).permute(1, 0);
        Tensor coords = arange(size, device: table.device).unsqueeze(1) - arange(size, device: table.device).unsqueeze(0) + (size - 1);
        return resized.index_select(0, coords.flatten()).reshape(size, size, -1);
    }
}
