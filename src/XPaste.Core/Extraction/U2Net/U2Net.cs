using TorchSharp;
using TorchSharp.Modules;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// U^2-Net (Qin et al., 2020), the salient-object segmenter X-Paste cuts its instances with: the full
/// <c>U2NET(3,1)</c> (176 MB, <c>u2net.pth</c>) or the small <c>U2NETP(3,1)</c> (4.7 MB, <c>u2netp.pth</c>).
/// Submodule names are the published checkpoints' keys, so those files load with nothing missing or left over.
/// </summary>
/// <remarks>
/// <see cref="forward"/> takes an ImageNet-normalised float batch <c>[N,3,H,W]</c> and returns the
/// seven side outputs <c>d0</c>..<c>d6</c> after the sigmoid, each <c>[N,1,H,W]</c>, in the reference's order
/// (<c>d0</c> the fused map, <c>d1</c> the finest side output, which X-Paste uses). Any H and W work; the
/// reference runs 256x256 (X-Paste) or 320x320 (the U^2-Net demo).
/// </remarks>
public sealed class U2Net : nn.Module<Tensor, Tensor[]>
{
#pragma warning disable IDE1006 // Names follow the checkpoint keys.
    private readonly Rsu stage1;
    private readonly Rsu stage2;
    private readonly Rsu stage3;
    private readonly Rsu stage4;
    private readonly Rsu4F stage5;
    private readonly Rsu4F stage6;
    private readonly Rsu4F stage5d;
    private readonly Rsu stage4d;
    private readonly Rsu stage3d;
    private readonly Rsu stage2d;
    private readonly Rsu stage1d;
    private readonly Conv2d side1;
    private readonly Conv2d side2;
    private readonly Conv2d side3;
    private readonly Conv2d side4;
    private readonly Conv2d side5;
    private readonly Conv2d side6;
    private readonly Conv2d outconv;
#pragma warning restore IDE1006

    /// <summary>Builds the network with freshly initialised weights (use <see cref="FromPretrained"/> to load a checkpoint).</summary>
    /// <param name="small">True for <c>U2NETP</c> (all stages 16 mid / 64 out channels), false for the full <c>U2NET</c>.</param>
    /// <param name="inChannels">Input channels; 3 for the published checkpoints.</param>
    /// <param name="outChannels">Output maps; 1 for the published checkpoints.</param>
    public U2Net(bool small = false, long inChannels = 3, long outChannels = 1)
        : base(small ? "U2NETP" : "U2NET")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        IsSmall = small;
        if (small)
        {
            stage1 = new Rsu(7, inChannels, 16, 64);
            stage2 = new Rsu(6, 64, 16, 64);
            stage3 = new Rsu(5, 64, 16, 64);
            stage4 = new Rsu(4, 64, 16, 64);
            stage5 = new Rsu4F(64, 16, 64);
            stage6 = new Rsu4F(64, 16, 64);
            stage5d = new Rsu4F(128, 16, 64);
            stage4d = new Rsu(4, 128, 16, 64);
            stage3d = new Rsu(5, 128, 16, 64);
            stage2d = new Rsu(6, 128, 16, 64);
            stage1d = new Rsu(7, 128, 16, 64);
        }
        else
        {
            stage1 = new Rsu(7, inChannels, 32, 64);
            stage2 = new Rsu(6, 64, 32, 128);
            stage3 = new Rsu(5, 128, 64, 256);
            stage4 = new Rsu(4, 256, 128, 512);
            stage5 = new Rsu4F(512, 256, 512);
            stage6 = new Rsu4F(512, 256, 512);
            stage5d = new Rsu4F(1024, 256, 512);
            stage4d = new Rsu(4, 1024, 128, 256);
            stage3d = new Rsu(5, 512, 64, 128);
            stage2d = new Rsu(6, 256, 32, 64);
            stage1d = new Rsu(7, 128, 16, 64);
        }

        long[] sideChannels = small ? [64, 64, 64, 64, 64, 64] : [64, 64, 128, 256, 512, 512];
        side1 = nn.Conv2d(sideChannels[0], outChannels, 3, padding: 1);
        side2 = nn.Conv2d(sideChannels[1], outChannels, 3, padding: 1);
        side3 = nn.Conv2d(sideChannels[2], outChannels, 3, padding: 1);
        side4 = nn.Conv2d(sideChannels[3], outChannels, 3, padding: 1);
        side5 = nn.Conv2d(sideChannels[4], outChannels, 3, padding: 1);
        side6 = nn.Conv2d(sideChannels[5], outChannels, 3, padding: 1);
        outconv = nn.Conv2d(6 * outChannels, outChannels, 1);
        RegisterComponents();
        ChannelsLast = true;
    }

    /// <summary>True for the small <c>U2NETP</c>.</summary>
    public bool IsSmall { get; }

    /// <summary>What <see cref="FromPretrained"/> loaded (every tensor); null for a network built with fresh weights.</summary>
    public WeightLoadReport? LoadReport { get; private set; }

    /// <summary>Evaluation folds each batch norm into its convolution (default true; false for A/B measurements).</summary>
    internal bool FoldBatchNorm
    {
        get => modules().OfType<RebnConv>().All(m => m.FoldBatchNorm);
        set
        {
            foreach (RebnConv m in modules().OfType<RebnConv>())
            {
                m.FoldBatchNorm = value;
            }
        }
    }

    /// <summary>Run the convolution stack in the channels-last layout, which oneDNN convolves without reordering (default true; false for A/B measurements).</summary>
    internal bool ChannelsLast
    {
        get => _channelsLast;
        set
        {
            _channelsLast = value;
            foreach (RebnConv m in modules().OfType<RebnConv>())
            {
                m.ChannelsLast = value;
            }
        }
    }

    private bool _channelsLast = true;

    /// <summary>
    /// Builds the network, loads a checkpoint strictly and switches to evaluation mode. The size (<c>U2NET</c> or the
    /// small <c>U2NETP</c>) is read from the checkpoint: the channels of <c>side6</c> (512 or 64) tell them apart.
    /// </summary>
    /// <param name="nameOrPath">
    /// The published <c>u2net.pth</c> / <c>u2netp.pth</c> (a <c>torch.save</c> state dict) or a <c>.safetensors</c>
    /// file with the same keys, or a Hub repo id whose root holds one of <c>model.safetensors</c>, <c>u2net.safetensors</c>,
    /// <c>u2netp.safetensors</c>, <c>u2net.pth</c>, <c>u2netp.pth</c> (the first present is used). BatchNorm
    /// <c>num_batches_tracked</c> counters are loaded when the file has them and may be absent (checkpoints saved
    /// before PyTorch 0.4.1 lack them; evaluation never reads them).
    /// </param>
    /// <param name="options">Device and Hub settings; <see cref="U2NetOptions.Default"/> when null.</param>
    /// <param name="cancellationToken">Cancels a Hub download; what arrived is resumed next time.</param>
    /// <returns>The model in evaluation mode; the caller disposes it.</returns>
    /// <exception cref="InvalidWeightsException">The file is unreadable.</exception>
    /// <exception cref="WeightsMismatchException">The checkpoint is not U^2-Net's (every missing, unexpected and mis-shaped tensor is listed).</exception>
    /// <exception cref="Hub.HubException">A repo id could not be fetched.</exception>
    public static U2Net FromPretrained(string nameOrPath, U2NetOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= U2NetOptions.Default;
        string path = Hub.PretrainedSource.Resolve(nameOrPath, options, (store, repoId, ct) => U2NetHub.DownloadAsync(store, repoId, options, ct),
            cancellationToken);
        if (Directory.Exists(path))
        {
            throw new InvalidInputException(path, "a U^2-Net checkpoint is one file (u2net.pth, u2netp.pth or .safetensors), not a folder");
        }

        cancellationToken.ThrowIfCancellationRequested();
        Dictionary<string, Tensor> weights = StateDictFile.Load(path);
        try
        {
            var model = new U2Net(IsSmallCheckpoint(weights));
            try
            {
                var loadOptions = new StateDictLoadOptions
                {
                    Strict = true,
                    Ignore = name => name.EndsWith(".num_batches_tracked", StringComparison.Ordinal) && !weights.ContainsKey(name),
                };
                model.LoadReport = StateDictLoader.Load(model, weights, path, loadOptions);
                if (options.ResolvedDevice.type != DeviceType.CPU)
                {
                    model.to(options.ResolvedDevice);
                }

                model.eval();
                return model;
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }
        finally
        {
            foreach (Tensor t in weights.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>U2NETP's last side output reads 64 channels, U2NET's 512; anything else loads as U2NET and fails strictly, naming the tensors.</summary>
    internal static bool IsSmallCheckpoint(IReadOnlyDictionary<string, Tensor> weights) =>
        weights.TryGetValue("side6.weight", out Tensor? side6) && side6.dim() == 4 && side6.shape[1] == 64;

    /// <summary>Runs the network.</summary>
    /// <param name="input">Float <c>[N,C,H,W]</c>, ImageNet-normalised, on the model's device.</param>
    /// <returns><c>d0</c>..<c>d6</c> after the sigmoid, each <c>[N,out,H,W]</c>; the caller owns them.</returns>
    public override Tensor[] forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 4)
        {
            throw new ArgumentException($"expected [N,C,H,W], got [{string.Join(",", input.shape)}]", nameof(input));
        }

        using var scope = NewDisposeScope();
        if (_channelsLast)
        {
            input = input.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        }

        Tensor hx1 = stage1.call(input);
        Tensor hx2 = stage2.call(U2NetOps.Pool(hx1));
        Tensor hx3 = stage3.call(U2NetOps.Pool(hx2));
        Tensor hx4 = stage4.call(U2NetOps.Pool(hx3));
        Tensor hx5 = stage5.call(U2NetOps.Pool(hx4));
        Tensor hx6 = stage6.call(U2NetOps.Pool(hx5));

        Tensor hx5d = stage5d.call(cat(new[] { U2NetOps.UpsampleLike(hx6, hx5), hx5 }, 1));
        Tensor hx4d = stage4d.call(cat(new[] { U2NetOps.UpsampleLike(hx5d, hx4), hx4 }, 1));
        Tensor hx3d = stage3d.call(cat(new[] { U2NetOps.UpsampleLike(hx4d, hx3), hx3 }, 1));
        Tensor hx2d = stage2d.call(cat(new[] { U2NetOps.UpsampleLike(hx3d, hx2), hx2 }, 1));
        Tensor hx1d = stage1d.call(cat(new[] { U2NetOps.UpsampleLike(hx2d, hx1), hx1 }, 1));

        Tensor d1 = side1.call(hx1d);
        Tensor d2 = U2NetOps.UpsampleLike(side2.call(hx2d), d1);
        Tensor d3 = U2NetOps.UpsampleLike(side3.call(hx3d), d1);
        Tensor d4 = U2NetOps.UpsampleLike(side4.call(hx4d), d1);
        Tensor d5 = U2NetOps.UpsampleLike(side5.call(hx5d), d1);
        Tensor d6 = U2NetOps.UpsampleLike(side6.call(hx6), d1);
        Tensor d0 = outconv.call(cat(new[] { d1, d2, d3, d4, d5, d6 }, 1));

        var outputs = new[] { d0, d1, d2, d3, d4, d5, d6 };
        return outputs.Select(d => sigmoid(d).MoveToOuterDisposeScope()).ToArray();
    }
}
