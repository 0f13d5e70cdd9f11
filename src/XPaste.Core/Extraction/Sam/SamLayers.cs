using TorchSharp.Modules;
using XPaste.Clip;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// transformers' <c>SamLayerNorm</c> with <c>data_format="channels_first"</c>: normalises <c>[B,C,H,W]</c> over C,
/// always in fp32 (half inputs are widened and narrowed again).
/// </summary>
internal sealed class SamChannelsFirstLayerNorm : nn.Module<Tensor, Tensor>
{
    internal readonly Parameter weight;
    internal readonly Parameter bias;
    private readonly long[] _shape;
    private readonly double _eps;

    public SamChannelsFirstLayerNorm(long channels, double eps, Device? device) : base(nameof(SamChannelsFirstLayerNorm))
    {
        _shape = [channels];
        _eps = eps;
        weight = new Parameter(ones(channels, ScalarType.Float32, device));
        bias = new Parameter(zeros(channels, ScalarType.Float32, device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor wide = input.to(ScalarType.Float32);
        SamOps.Observe("channels_first_layer_norm", wide.dtype);
        Tensor normalised = nn.functional.layer_norm(wide.permute(0, 2, 3, 1), _shape,
            weight.to(ScalarType.Float32), bias.to(ScalarType.Float32), _eps);
        return normalised.permute(0, 3, 1, 2).to(input.dtype).MoveToOuterDisposeScope();
    }
}

/// <summary>transformers' <c>SamMLPBlock</c>: <c>lin2(act(lin1(x)))</c>.</summary>
internal sealed class SamMlpBlock : nn.Module<Tensor, Tensor>
{
    internal readonly Linear lin1;
    internal readonly Linear lin2;
    private readonly Func<Tensor, Tensor> _act;

    public SamMlpBlock(int hidden, int mlpDim, string act, Device? device) : base(nameof(SamMlpBlock))
    {
        lin1 = nn.Linear(hidden, mlpDim, device: device);
        lin2 = nn.Linear(mlpDim, hidden, device: device);
        _act = ClipActivation.Get(act);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return lin2.call(_act(lin1.call(input))).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// transformers' <c>SamFeedForward</c>: <c>proj_in</c>, ReLU, <c>depth - 2</c> hidden layers each followed by ReLU,
/// <c>proj_out</c> (the hypernetwork MLPs and the IoU head).
/// </summary>
internal sealed class SamFeedForward : nn.Module<Tensor, Tensor>
{
    internal readonly Linear proj_in;
    internal readonly Linear proj_out;
    internal readonly ModuleList<Linear> layers;

    public SamFeedForward(int input, int hidden, int output, int depth, Device? device) : base(nameof(SamFeedForward))
    {
        proj_in = nn.Linear(input, hidden, device: device);
        proj_out = nn.Linear(hidden, output, device: device);
        layers = new ModuleList<Linear>(Enumerable.Range(0, depth - 2).Select(_ => nn.Linear(hidden, hidden, device: device)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor x = nn.functional.relu(proj_in.call(input));
        foreach (Linear layer in layers)
        {
            x = nn.functional.relu(layer.call(x));
        }

        return proj_out.call(x).MoveToOuterDisposeScope();
    }
}

/// <summary>Shared helpers of the SAM modules.</summary>
internal static class SamOps
{
    /// <summary>Softmax over the last dimension in fp32, returned in the input's dtype (as the reference's vision attention; fp16 safety elsewhere).</summary>
    public static Tensor Softmax(Tensor scores)
    {
        using var scope = NewDisposeScope();
        Tensor wide = scores.to(ScalarType.Float32);
        Observe("softmax", wide.dtype);
        return wide.softmax(-1).to(scores.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Told the dtype each layer norm and softmax computes in (a hook for the tests that check the half-precision
    /// path keeps them in fp32); flows with the calling context only.
    /// </summary>
    internal static AsyncLocal<Action<string, ScalarType>?> ComputeObserver { get; } = new();

    /// <summary>Reports <paramref name="dtype"/> for <paramref name="site"/> to <see cref="ComputeObserver"/>, if set.</summary>
    internal static void Observe(string site, ScalarType dtype) => ComputeObserver.Value?.Invoke(site, dtype);

    /// <summary>Stores a copy of <paramref name="value"/> under <paramref name="name"/> when tracing.</summary>
    public static void Trace(IDictionary<string, Tensor>? trace, string name, Tensor value)
    {
        if (trace is not null)
        {
            trace[name] = value.to(ScalarType.Float32).clone().DetachFromDisposeScope();
        }
    }
}
