using TorchSharp;
using TorchSharp.Modules;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// The reference's <c>REBNCONV</c>: a 3x3 convolution (padding = dilation, so the size is kept), batch norm, ReLU.
/// Field names are the checkpoint's (<c>conv_s1</c>, <c>bn_s1</c>).
/// </summary>
internal sealed class RebnConv : nn.Module<Tensor, Tensor>, IDerivedWeightsCache
{
    private const double BatchNormEps = 1e-5; // nn.BatchNorm2d's default, which the reference keeps

#pragma warning disable IDE1006 // Names follow the checkpoint keys.
    private readonly Conv2d conv_s1;
    private readonly BatchNorm2d bn_s1;
#pragma warning restore IDE1006
    private readonly long _dilation;

    public RebnConv(long inChannels, long outChannels, long dilation = 1)
        : base(nameof(RebnConv))
    {
        conv_s1 = nn.Conv2d(inChannels, outChannels, 3, padding: dilation, dilation: dilation);
        bn_s1 = nn.BatchNorm2d(outChannels);
        _dilation = dilation;
        RegisterComponents();
    }

    /// <summary>
    /// In evaluation mode, fold the batch norm into the convolution (as ONNX Runtime's Conv+BatchNorm fusion does):
    /// one pass over the activation instead of two, and one allocation less. Default true.
    /// </summary>
    internal bool FoldBatchNorm { get; set; } = true;

    /// <summary>Give the folded kernel the channels-last layout (set with a channels-last input). Default false.</summary>
    internal bool ChannelsLast { get; set; }

    public override Tensor forward(Tensor input)
    {
        if (training || !FoldBatchNorm)
        {
            using Tensor convolved = conv_s1.call(input);
            Tensor normalised = bn_s1.call(convolved);
            return normalised.relu_();
        }

        if (is_grad_enabled())
        {
            // A forward that can be differentiated (fine-tuning with frozen statistics) folds per call so gradients
            // reach the parameters, and drops any cached fold: an optimizer step may change the weights next.
            ForgetFolded();
            using var scope = NewDisposeScope();
            var (weight, bias) = Fold();
            return Convolve(input, weight, bias).MoveToOuterDisposeScope();
        }

        // Without gradients (inference) the folded kernel is computed once and reused, as ONNX Runtime prepacks its
        // weights: per call, the fold read and wrote every weight twice, about 8% of U^2-Net's time at 320x320.
        Tensor?[] sources = [conv_s1.weight, conv_s1.bias, bn_s1.weight, bn_s1.bias, bn_s1.running_mean, bn_s1.running_var];
        FoldedKernel? folded = _folded;
        if (!IsCurrent(folded, sources))
        {
            lock (_foldLock) // concurrent inference calls build it once
            {
                folded = _folded;
                if (!IsCurrent(folded, sources))
                {
                    ForgetFolded();
                    using var normal = inference_mode(false); // an ordinary tensor, usable outside inference mode too
                    using var noGrad = no_grad();
                    using var scope = NewDisposeScope();
                    var (weight, bias) = Fold();
                    folded = new FoldedKernel(weight.DetachFromDisposeScope(), bias.DetachFromDisposeScope(), [.. sources.Select(t => t!.Handle)], ChannelsLast);
                    _folded = folded;
                }
            }
        }

        return Convolve(input, folded!.Weight, folded.Bias);
    }

    /// <summary>
    /// Drops the cached folded kernel; called when weights may have changed in place (<see cref="XPaste.Weights.StateDictLoader"/>,
    /// a switch between training and evaluation, a forward with gradients). Replaced parameter tensors (a device
    /// or dtype move) are noticed without it.
    /// </summary>
    internal void ForgetFolded()
    {
        FoldedKernel? folded = Interlocked.Exchange(ref _folded, null);
        folded?.Weight.Dispose();
        folded?.Bias.Dispose();
    }

    void IDerivedWeightsCache.ForgetDerivedWeights() => ForgetFolded();

    /// <inheritdoc/>
    public override void train(bool on = true)
    {
        ForgetFolded();
        base.train(on);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ForgetFolded();
        }

        base.Dispose(disposing);
    }

    /// <summary><c>w * gamma / sqrt(var + eps)</c> and the matching bias, from the current parameters.</summary>
    private (Tensor Weight, Tensor Bias) Fold()
    {
        Tensor scale = bn_s1.weight!.mul(bn_s1.running_var!.add(BatchNormEps).rsqrt_());
        Tensor weight = conv_s1.weight!.mul(scale.view(-1, 1, 1, 1));
        if (ChannelsLast)
        {
            weight = weight.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        }

        Tensor bias = conv_s1.bias!.sub(bn_s1.running_mean!).mul_(scale).add_(bn_s1.bias!);
        return (weight, bias);
    }

    private Tensor Convolve(Tensor input, Tensor weight, Tensor bias) =>
        nn.functional.conv2d(input, weight, bias, padding: [_dilation, _dilation], dilation: [_dilation, _dilation]).relu_();

    // Handles identify the parameter tensors; dtype and device are compared too, in case a moved parameter's new
    // handle reuses a freed one's address.
    private bool IsCurrent(FoldedKernel? folded, Tensor?[] sources) =>
        folded is not null && folded.ChannelsLast == ChannelsLast && folded.Weight.dtype == sources[0]!.dtype
        && folded.Weight.device_type == sources[0]!.device_type && folded.Weight.device_index == sources[0]!.device_index
        && sources.Select(t => t!.Handle).SequenceEqual(folded.From);

    /// <summary>The cached fold, or null (for tests: the same object across calls means it was reused).</summary>
    internal object? FoldedKernelForTests => _folded;

    /// <summary>A folded kernel and bias, with the parameter tensors and layout they were computed from.</summary>
    private sealed record FoldedKernel(Tensor Weight, Tensor Bias, IntPtr[] From, bool ChannelsLast);

    private FoldedKernel? _folded;
    private readonly Lock _foldLock = new();
}
