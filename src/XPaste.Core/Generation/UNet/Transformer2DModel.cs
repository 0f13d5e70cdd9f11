using TorchSharp.Modules;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// diffusers' <c>Attention</c> as the UNet's transformer blocks use it: <c>to_q</c>/<c>to_k</c>/<c>to_v</c>
/// without bias, <c>to_out.0</c> with bias, heads split as <c>[B,L,heads,d]</c>, scaled dot-product attention.
/// </summary>
internal sealed class Attention : nn.Module<Tensor, Tensor?, Tensor>
{
    internal readonly Linear to_q;
    internal readonly Linear to_k;
    internal readonly Linear to_v;
    internal readonly ModuleList<nn.Module<Tensor, Tensor>> to_out;
    private readonly long _heads;
    private readonly bool _upcast;

    public Attention(long queryDim, long? crossAttentionDim, long heads, long headDim, bool upcast, Device? device) : base(nameof(Attention))
    {
        long inner = heads * headDim;
        long contextDim = crossAttentionDim ?? queryDim;
        _heads = heads;
        _upcast = upcast;
        to_q = nn.Linear(queryDim, inner, hasBias: false, device: device);
        to_k = nn.Linear(contextDim, inner, hasBias: false, device: device);
        to_v = nn.Linear(contextDim, inner, hasBias: false, device: device);
        to_out = new ModuleList<nn.Module<Tensor, Tensor>>(nn.Linear(inner, queryDim, device: device), nn.Dropout(0.0));
        RegisterComponents();
    }

    /// <param name="hidden"><c>[B,L,C]</c>.</param>
    /// <param name="context"><c>[B,S,Cc]</c> for cross-attention, null for self-attention.</param>
    public override Tensor forward(Tensor hidden, Tensor? context)
    {
        using var scope = NewDisposeScope();
        Tensor source = context ?? hidden;
        Tensor q = SplitHeads(to_q.call(hidden));
        Tensor k = SplitHeads(to_k.call(source));
        Tensor v = SplitHeads(to_v.call(source));
        Tensor o = Sdpa(q, k, v, _upcast);
        long batch = hidden.shape[0], length = hidden.shape[1];
        o = o.transpose(1, 2).reshape(batch, length, -1);
        return to_out[0].call(o).MoveToOuterDisposeScope();
    }

    /// <summary>softmax(q k^T / sqrt(d)) v; with <paramref name="upcast"/> a half-precision input is computed in fp32.</summary>
    internal static Tensor Sdpa(Tensor q, Tensor k, Tensor v, bool upcast)
    {
        if (!upcast || q.dtype == ScalarType.Float32)
        {
            return nn.functional.scaled_dot_product_attention(q, k, v);
        }

        using var scope = NewDisposeScope();
        Tensor o = nn.functional.scaled_dot_product_attention(q.to(ScalarType.Float32), k.to(ScalarType.Float32), v.to(ScalarType.Float32));
        return o.to(q.dtype).MoveToOuterDisposeScope();
    }

    private Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], _heads, -1).transpose(1, 2);
}

/// <summary>diffusers' <c>GEGLU</c>: <c>proj</c> to twice the width, halves (a, gate), <c>a * gelu(gate)</c> (exact GELU).</summary>
internal sealed class Geglu : nn.Module<Tensor, Tensor>
{
    internal readonly Linear proj;

    public Geglu(long dim, long inner, Device? device) : base(nameof(Geglu))
    {
        proj = nn.Linear(dim, inner * 2, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor[] halves = proj.call(input).chunk(2, -1);
        return halves[0].mul(nn.functional.gelu(halves[1])).MoveToOuterDisposeScope();
    }
}

/// <summary>diffusers' <c>FeedForward</c> with GEGLU: <c>net.0</c> GEGLU(C, 4C), <c>net.1</c> dropout, <c>net.2</c> Linear(4C, C).</summary>
internal sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    internal readonly ModuleList<nn.Module<Tensor, Tensor>> net;

    public FeedForward(long dim, Device? device) : base(nameof(FeedForward))
    {
        net = new ModuleList<nn.Module<Tensor, Tensor>>(new Geglu(dim, dim * 4, device), nn.Dropout(0.0), nn.Linear(dim * 4, dim, device: device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return net[2].call(net[0].call(input)).MoveToOuterDisposeScope();
    }
}

/// <summary>diffusers' <c>BasicTransformerBlock</c>: self-attention, cross-attention, GEGLU feed-forward, each pre-LayerNorm and residual.</summary>
internal sealed class BasicTransformerBlock : nn.Module<Tensor, Tensor, Tensor>
{
    internal readonly LayerNorm norm1;
    internal readonly Attention attn1;
    internal readonly LayerNorm norm2;
    internal readonly Attention attn2;
    internal readonly LayerNorm norm3;
    internal readonly FeedForward ff;

    public BasicTransformerBlock(long dim, long heads, long headDim, long crossAttentionDim, bool upcast, Device? device)
        : base(nameof(BasicTransformerBlock))
    {
        norm1 = nn.LayerNorm(dim, 1e-5, device: device);
        attn1 = new Attention(dim, null, heads, headDim, upcast, device);
        norm2 = nn.LayerNorm(dim, 1e-5, device: device);
        attn2 = new Attention(dim, crossAttentionDim, heads, headDim, upcast, device);
        norm3 = nn.LayerNorm(dim, 1e-5, device: device);
        ff = new FeedForward(dim, device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor context)
    {
        using var scope = NewDisposeScope();
        Tensor x = hidden + attn1.call(norm1.call(hidden), null);
        x = x.add_(attn2.call(norm2.call(x), context));
        x = x.add_(ff.call(norm3.call(x)));
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// diffusers' <c>Transformer2DModel</c> on continuous input: GroupNorm (eps 1e-6) -> <c>proj_in</c> (1x1 conv, or
/// Linear after flattening with <c>use_linear_projection</c>) -> tokens <c>[B,H*W,C]</c> -> transformer blocks ->
/// <c>proj_out</c> -> NCHW, plus the input.
/// </summary>
internal sealed class Transformer2DModel : nn.Module<Tensor, Tensor, Tensor>
{
    internal readonly GroupNorm norm;
    internal readonly nn.Module<Tensor, Tensor> proj_in;
    internal readonly ModuleList<BasicTransformerBlock> transformer_blocks;
    internal readonly nn.Module<Tensor, Tensor> proj_out;
    private readonly bool _linear;

    public Transformer2DModel(long channels, long heads, long layers, long groups, long crossAttentionDim, bool useLinearProjection,
        bool upcast, Device? device) : base(nameof(Transformer2DModel))
    {
        long headDim = channels / heads;
        long inner = heads * headDim;
        _linear = useLinearProjection;
        norm = GroupNorms.Create(groups, channels, 1e-6, device);
        proj_in = useLinearProjection ? nn.Linear(channels, inner, device: device) : nn.Conv2d(channels, inner, 1, device: device);
        transformer_blocks = new ModuleList<BasicTransformerBlock>(Enumerable.Range(0, (int)layers)
            .Select(_ => new BasicTransformerBlock(inner, heads, headDim, crossAttentionDim, upcast, device)).ToArray());
        proj_out = useLinearProjection ? nn.Linear(inner, channels, device: device) : nn.Conv2d(inner, channels, 1, device: device);
        RegisterComponents();
    }

    /// <param name="input"><c>[B,C,H,W]</c>.</param>
    /// <param name="context">The text conditioning <c>[B,S,Cc]</c>.</param>
    public override Tensor forward(Tensor input, Tensor context)
    {
        using var scope = NewDisposeScope();
        long batch = input.shape[0], height = input.shape[2], width = input.shape[3];
        Tensor x = norm.call(input);
        if (!_linear)
        {
            x = proj_in.call(x);
        }

        long inner = x.shape[1];
        x = x.permute(0, 2, 3, 1).reshape(batch, height * width, inner);
        if (_linear)
        {
            x = proj_in.call(x);
        }

        foreach (BasicTransformerBlock block in transformer_blocks)
        {
            x = block.call(x, context);
        }

        if (_linear)
        {
            x = proj_out.call(x);
        }

        x = x.reshape(batch, height, width, -1).permute(0, 3, 1, 2).contiguous();
        if (!_linear)
        {
            x = proj_out.call(x);
        }

        return (x + input).MoveToOuterDisposeScope();
    }
}
