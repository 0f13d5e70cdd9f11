using TorchSharp.Modules;
using static TorchSharp.torch;

namespace XPaste.Clip;

/// <summary>The transformer MLP (transformers' <c>CLIPMLP</c>): <c>fc2(act(fc1(x)))</c>.</summary>
internal sealed class ClipMlp : nn.Module<Tensor, Tensor>
{
    internal readonly Linear fc1;
    internal readonly Linear fc2;
    private readonly Func<Tensor, Tensor> _activation;

    public ClipMlp(long hidden, long intermediate, string activation, Device? device) : base(nameof(ClipMlp))
    {
        _activation = ClipActivation.GetInPlace(activation); // fc1's output is this module's own
        fc1 = nn.Linear(hidden, intermediate, device: device);
        fc2 = nn.Linear(intermediate, hidden, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return fc2.call(_activation(fc1.call(input))).MoveToOuterDisposeScope();
    }
}
