using TorchSharp.Modules;
using static TorchSharp.torch;

namespace XPaste.Clip;

/// <summary>One pre-norm transformer block (transformers' <c>CLIPEncoderLayer</c>).</summary>
internal sealed class ClipEncoderLayer : nn.Module<Tensor, Tensor?, Tensor>
{
    internal readonly ClipAttention self_attn;
    internal readonly ClipLayerNorm layer_norm1;
    internal readonly ClipMlp mlp;
    internal readonly ClipLayerNorm layer_norm2;

    public ClipEncoderLayer(long hidden, long heads, long intermediate, string activation, double eps, Device? device)
        : base(nameof(ClipEncoderLayer))
    {
        self_attn = new ClipAttention(hidden, heads, device);
        layer_norm1 = new ClipLayerNorm(hidden, eps, device);
        mlp = new ClipMlp(hidden, intermediate, activation, device);
        layer_norm2 = new ClipLayerNorm(hidden, eps, device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor? blocked)
    {
        using var scope = NewDisposeScope();
        Tensor x = hidden + self_attn.call(layer_norm1.call(hidden), blocked);
        x = x + mlp.call(layer_norm2.call(x));
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>The stack of transformer blocks (transformers' <c>CLIPEncoder</c>).</summary>
internal sealed class ClipEncoder : nn.Module<Tensor, Tensor?, Tensor>
{
    internal readonly ModuleList<ClipEncoderLayer> layers;

    public ClipEncoder(long hidden, long heads, long intermediate, int depth, string activation, double eps, Device? device)
        : base(nameof(ClipEncoder))
    {
        layers = new ModuleList<ClipEncoderLayer>(Enumerable.Range(0, depth)
            .Select(_ => new ClipEncoderLayer(hidden, heads, intermediate, activation, eps, device)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor? blocked)
    {
        using var scope = NewDisposeScope();
        Tensor x = hidden;
        foreach (ClipEncoderLayer layer in layers)
        {
            Tensor next = layer.call(x, blocked);
            if (!ReferenceEquals(x, hidden))
            {
                // Free each block's output as soon as the next exists: peak memory stays at two activations.
                x.Dispose();
            }

            x = next;
        }

        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Every block's output in order (transformers' <c>hidden_states[1..]</c>); the caller owns them.</summary>
    internal Tensor[] ForwardAll(Tensor hidden, Tensor? blocked, int count = -1)
    {
        var outputs = new Tensor[count < 0 ? layers.Count : Math.Min(count, layers.Count)];
        Tensor x = hidden;
        for (int i = 0; i < outputs.Length; i++)
        {
            x = layers[i].call(x, blocked);
            outputs[i] = x;
        }

        return outputs;
    }
}
