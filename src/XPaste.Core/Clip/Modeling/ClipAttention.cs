using TorchSharp.Modules;
using static TorchSharp.torch;

namespace XPaste.Clip;

/// <summary>
/// Multi-head self-attention (transformers' <c>CLIPAttention</c>, eager path): separate q/k/v/out projections,
/// scores scaled by <c>head_dim^-0.5</c>, an optional boolean mask (true = blocked), softmax in fp32 (fp32 models
/// take libtorch's fused scaled_dot_product_attention, the same arithmetic in one kernel).
/// </summary>
internal sealed class ClipAttention : nn.Module<Tensor, Tensor?, Tensor>
{
    internal readonly Linear k_proj;
    internal readonly Linear v_proj;
    internal readonly Linear q_proj;
    internal readonly Linear out_proj;
    private readonly long _heads;
    private readonly long _headDim;
    private readonly double _scale;

    public ClipAttention(long hidden, long heads, Device? device) : base(nameof(ClipAttention))
    {
        _heads = heads;
        _headDim = hidden / heads;
        _scale = Math.Pow(_headDim, -0.5);
        k_proj = nn.Linear(hidden, hidden, device: device);
        v_proj = nn.Linear(hidden, hidden, device: device);
        q_proj = nn.Linear(hidden, hidden, device: device);
        out_proj = nn.Linear(hidden, hidden, device: device);
        RegisterComponents();
    }

    /// <param name="hidden"><c>[B,T,C]</c>.</param>
    /// <param name="blocked">Optional bool mask broadcastable to <c>[B,H,T,T]</c>; true where a query must not see a key.</param>
    public override Tensor forward(Tensor hidden, Tensor? blocked)
    {
        using var scope = NewDisposeScope();
        long batch = hidden.shape[0], length = hidden.shape[1], channels = hidden.shape[2];
        Tensor q = q_proj.call(hidden).view(batch, length, _heads, _headDim).transpose(1, 2);
        Tensor k = k_proj.call(hidden).view(batch, length, _heads, _headDim).transpose(1, 2);
        Tensor v = v_proj.call(hidden).view(batch, length, _heads, _headDim).transpose(1, 2);
        if (q.dtype == ScalarType.Float32)
        {
            // One fused kernel (scale, mask, softmax, product) instead of four passes over the scores; same scale
            // (head_dim^-0.5). Half precision keeps the eager path below, whose softmax is computed in fp32.
            Tensor fused = nn.functional.scaled_dot_product_attention(q, k, v, blocked?.logical_not());
            return out_proj.call(fused.transpose(1, 2).reshape(batch, length, channels)).MoveToOuterDisposeScope();
        }

        Tensor scores = matmul(q, k.transpose(-1, -2)) * _scale;
        if (blocked is not null)
        {
            scores = scores.masked_fill(blocked, float.NegativeInfinity);
        }

        Tensor weights = nn.functional.softmax(scores, -1, ScalarType.Float32).to(q.dtype);
        Tensor output = matmul(weights, v).transpose(1, 2).reshape(batch, length, channels);
        return out_proj.call(output).MoveToOuterDisposeScope();
    }
}
