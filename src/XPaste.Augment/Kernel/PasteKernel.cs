using TorchSharp;
using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// Executes pastes on a batch of destination images with tensor operations on their device (CPU or CUDA).
/// Unlike the reference, which warps every instance onto a full-size canvas and rescans every mask after each paste,
/// the kernel touches only the pasted box: it resizes the instance on the device, composites into that region,
/// subtracts the pasted mask inside it from the earlier objects that can reach it (known on the host from
/// conservative boxes, since masks only shrink), and keeps per-object row and column pixel counts so boxes and areas
/// follow from O(H + W) counts instead of O(H x W) scans. The occlusion rule and box updates run once per paste step
/// for the whole batch. The device is read back twice per batch (the destinations' boxes, the final live flags).
/// On the CPU, hard blending without photometric matching (the reference's configuration) runs the same algorithm in
/// managed code over the tensors' bytes, one pass per paste, with identical results (see docs/performance.md).
/// Stateless and thread-safe; the outputs are new tensors owned by the caller.
/// </summary>
public sealed class PasteKernel
{
    private readonly PasteKernelOptions _options;

    /// <summary>Creates a kernel.</summary>
    /// <param name="options">Blending and occlusion settings; the defaults match the reference.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public PasteKernel(PasteKernelOptions? options = null)
    {
        _options = options ?? new PasteKernelOptions();
        OptionsValidation.ThrowIfInvalid(new PasteKernelOptionsValidator(), _options);
    }

    /// <summary>The settings.</summary>
    public PasteKernelOptions Options => _options;

    /// <summary>
    /// Runs the tensor path even on the CPU, where hard blending otherwise takes the managed path
    /// (<see cref="HostPasteRun"/>); for the tests that compare the two and for profiling.
    /// </summary>
    internal bool UseTensorPathOnCpu { get; init; }

    /// <summary>Pastes onto a batch of destinations, in order within each image (later pastes cover earlier ones).</summary>
    /// <param name="destinations">B images of one size on one device, with their objects. Not modified.</param>
    /// <param name="pastes">For each destination, the steps to execute in order.</param>
    /// <returns>The images <c>[B,3,H,W]</c> and their objects: the destinations' kept objects first (in their order), then
    /// the pasted ones in paste order. The caller owns the result.</returns>
    public PasteBatch Run(IReadOnlyList<AnnotatedImage> destinations, IReadOnlyList<IReadOnlyList<PasteSource>> pastes)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        ArgumentNullException.ThrowIfNull(pastes);
        if (destinations.Count == 0)
        {
            throw new ArgumentException("at least one destination is needed", nameof(destinations));
        }

        if (pastes.Count != destinations.Count)
        {
            throw new ArgumentException($"{destinations.Count} destinations but {pastes.Count} paste lists", nameof(pastes));
        }

        AnnotatedImage first = destinations[0];
        foreach (AnnotatedImage d in destinations)
        {
            if (d.Width != first.Width || d.Height != first.Height)
            {
                throw new ArgumentException($"destinations differ in size: {first.Id} is {first.Width}x{first.Height}, {d.Id} is {d.Width}x{d.Height} (jitter them to one size first)", nameof(destinations));
            }

            if (!SameDevice(d.Image, first.Image) || !SameDevice(d.Masks, first.Image))
            {
                throw new ArgumentException($"destinations must be on one device: {d.Id} is on {d.Image.device}, {first.Id} on {first.Image.device}", nameof(destinations));
            }
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        if (first.Image.device_type == DeviceType.CPU && _options.Blending == BlendMode.Hard && !_options.PhotometricMatching.Enabled && !UseTensorPathOnCpu)
        {
            PasteBatch host = HostPasteRun.Run(_options, destinations, pastes);
            host.MoveToOuterDisposeScope();
            return host;
        }

        Tensor images = stack(destinations.Select(d => d.Image), 0);
        Device device = images.device;
        int h = first.Height, w = first.Width;
        int[] totals = [.. destinations.Select((d, b) => d.Labels.Count + (pastes[b] ?? []).Sum(s => s.Labels.Count))];
        using var state = new ObjectState(destinations, totals, device, _options);

        // Step j of every image, then the batch-wide bookkeeping for step j.
        int steps = pastes.Max(p => p?.Count ?? 0);
        var views = new Tensor[destinations.Count];
        for (int b = 0; b < views.Length; b++)
        {
            views[b] = images[b];
        }

        for (int j = 0; j < steps; j++)
        {
            for (int b = 0; b < destinations.Count; b++)
            {
                IReadOnlyList<PasteSource>? list = pastes[b];
                if (list is not null && j < list.Count)
                {
                    PasteStep(state, b, views[b], list[j], device, h, w);
                }
            }

            state.EndStep();
        }

        var batch = new PasteBatch(images, state.ToTargets());
        batch.MoveToOuterDisposeScope();
        return batch;
    }

    private static bool SameDevice(Tensor a, Tensor b) => a.device_type == b.device_type && a.device_index == b.device_index;

    private void PasteStep(ObjectState state, int b, Tensor image, PasteSource step, Device device, int h, int w)
    {
        using var scope = NewDisposeScope();
        Prepared p = Prepare(step, device);
        int dx0 = Math.Max(p.X, 0), dy0 = Math.Max(p.Y, 0);
        int dx1 = Math.Min(p.X + p.Width, w), dy1 = Math.Min(p.Y + p.Height, h);
        if (dx1 <= dx0 || dy1 <= dy0)
        {
            // Entirely outside: nothing to draw, and its objects would have no pixel.
            return;
        }

        var r = new Region(dx0, dy0, dx1 - dx0, dy1 - dy0);
        int sx = dx0 - p.X, sy = dy0 - p.Y;
        Tensor union = p.Union.narrow(0, sy, r.H).narrow(1, sx, r.W);
        Tensor rgb = p.Rgb.narrow(1, sy, r.H).narrow(2, sx, r.W);
        Tensor dst = image.narrow(1, r.Y, r.H).narrow(2, r.X, r.W);
        if (_options.PhotometricMatching.Enabled)
        {
            rgb = Blender.MatchPhotometry(rgb, union, dst, _options.PhotometricMatching);
        }

        Tensor? alpha = p.Alpha?.narrow(0, sy, r.H).narrow(1, sx, r.W);
        Blender.Composite(dst, rgb, alpha, union);

        // The occluding mask is the union of the objects' masks: a soft edge outside it occludes nothing.
        state.Occlude(b, r, union);
        state.Add(b, r, p.Masks.narrow(1, sy, r.H).narrow(2, sx, r.W), step.Labels);
    }

    private Prepared Prepare(PasteSource step, Device device)
    {
        Tensor rgb, masks, union;
        Tensor? alpha = null;
        if (step.IsInstance)
        {
            Tensor f = step.Pixels.to(device).to(ScalarType.Float32).unsqueeze(0);
            if (f.shape[2] != step.Height || f.shape[3] != step.Width)
            {
                f = nn.functional.interpolate(f, [step.Height, step.Width], mode: InterpolationMode.Bilinear, align_corners: false, antialias: _options.Antialias);
            }

            if (step.Flip)
            {
                f = f.flip(3);
            }

            // Round like the reference's uint8 resize, so alpha and colours are what an image file would hold.
            f = f.round().clamp(0, 255)[0];
            rgb = f.narrow(0, 0, 3);
            Tensor a255 = f[3];
            union = a255.gt(_options.AlphaThreshold);
            masks = union.unsqueeze(0);
            if (_options.Blending != BlendMode.Hard)
            {
                alpha = a255.div(255.0);
            }
        }
        else
        {
            rgb = step.Pixels.to(device).to(ScalarType.Float32);
            masks = step.Masks!.to(device);
            union = masks.any(0);
            if (_options.Blending != BlendMode.Hard)
            {
                alpha = union.to(ScalarType.Float32);
            }
        }

        if (_options.Blending != BlendMode.Feather)
        {
            return new Prepared(step.X, step.Y, step.Width, step.Height, rgb, alpha, masks, union);
        }

        // Feather: grow the region by the blur's reach so the soft edge can fall outside the instance's box.
        int pad = (int)Math.Ceiling(3 * _options.FeatherSigma);
        Tensor rgbPadded = nn.functional.pad(rgb.unsqueeze(0), [pad, pad, pad, pad], PaddingModes.Replicate)[0];
        Tensor alphaPadded = nn.functional.pad(alpha!, [pad, pad, pad, pad]);
        Tensor blurred = Blender.GaussianBlur(alphaPadded, _options.FeatherSigma, pad);
        Tensor masksPadded = nn.functional.pad(masks, [pad, pad, pad, pad]);
        Tensor unionPadded = nn.functional.pad(union, [pad, pad, pad, pad]);
        return new Prepared(step.X - pad, step.Y - pad, step.Width + (2 * pad), step.Height + (2 * pad), rgbPadded, blurred, masksPadded, unionPadded);
    }

    /// <summary>A step's pixels on the device, at their final geometry.</summary>
    /// <param name="X">Left edge in the destination.</param>
    /// <param name="Y">Top edge in the destination.</param>
    /// <param name="Width">Width of the tensors.</param>
    /// <param name="Height">Height of the tensors.</param>
    /// <param name="Rgb">float32 <c>[3,h,w]</c>, integral values 0-255.</param>
    /// <param name="Alpha">float32 <c>[h,w]</c> in [0,1] for alpha and feather blending; null for hard.</param>
    /// <param name="Masks">bool <c>[k,h,w]</c>: the objects this step adds.</param>
    /// <param name="Union">bool <c>[h,w]</c>: the union of the masks (where hard blending draws, and what occludes).</param>
    private sealed record Prepared(int X, int Y, int Width, int Height, Tensor Rgb, Tensor? Alpha, Tensor Masks, Tensor Union);
}
