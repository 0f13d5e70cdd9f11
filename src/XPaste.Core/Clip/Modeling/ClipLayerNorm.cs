using TorchSharp.Modules;
using static TorchSharp.torch;

namespace XPaste.Clip;

/// <summary>
/// <c>nn.LayerNorm</c> with the same parameter names (<c>weight</c>, <c>bias</c>) that always normalises in fp32:
/// in an fp16 model its parameters stay fp32 and half inputs are widened, normalised and narrowed again.
/// </summary>
internal sealed class ClipLayerNorm : nn.Module<Tensor, Tensor>
{
    internal readonly Parameter weight;
    internal readonly Parameter bias;
    private readonly long[] _shape;
    private readonly double _eps;

    /// <summary>Told the dtype each call computes in (a test hook for half-precision models); flows with the calling context only.</summary>
    internal static AsyncLocal<Action<ScalarType>?> ComputeObserver { get; } = new();

    public ClipLayerNorm(long size, double eps, Device? device) : base(nameof(ClipLayerNorm))
    {
        _shape = [size];
        _eps = eps;
        weight = new Parameter(ones(size, ScalarType.Float32, device));
        bias = new Parameter(zeros(size, ScalarType.Float32, device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (input.dtype == ScalarType.Float32 && weight.dtype == ScalarType.Float32)
        {
            ComputeObserver.Value?.Invoke(input.dtype);
            return nn.functional.layer_norm(input, _shape, weight, bias, _eps);
        }

        using var scope = NewDisposeScope();
        Tensor wide = input.to(ScalarType.Float32);
        ComputeObserver.Value?.Invoke(wide.dtype);
        Tensor result = nn.functional.layer_norm(wide, _shape, weight.to(ScalarType.Float32), bias.to(ScalarType.Float32), _eps);
        return result.to(input.dtype).MoveToOuterDisposeScope();
    }
}
