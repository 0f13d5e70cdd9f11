using System.Buffers;
using System.Numerics;
using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// The kernel's CPU path for hard blending (the reference's configuration). The same algorithm as the tensor path, with
/// the same results (tests compare them), but each paste is one pass over its region in managed code instead of a
/// dozen small tensor operations: threshold, composite, occlusion and count updates read and write the image and mask
/// buffers in place, and only objects whose exact box meets the region are visited. The only tensor operations left
/// per paste are the instance's resize (libtorch's bilinear, so pixels are the tensor path's) and its conversion back
/// to bytes. Images are processed one after the other, each through all its steps, so its buffers stay in cache.
/// </summary>
internal static class HostPasteRun
{
    public static PasteBatch Run(PasteKernelOptions options, IReadOnlyList<AnnotatedImage> destinations, IReadOnlyList<IReadOnlyList<PasteSource>> pastes)
    {
        AnnotatedImage first = destinations[0];
        int h = first.Height, w = first.Width;
        int plane = h * w;
        Tensor images = stack(destinations.Select(d => d.Image.cpu()), 0).contiguous();
        // Buffers and outputs are created on this thread (dispose scopes are per thread); the images are independent,
        // so they run in parallel, as many at once as libtorch has threads.
        var states = new HostObjects[destinations.Count];
        for (int b = 0; b < states.Length; b++)
        {
            states[b] = new HostObjects(destinations[b], destinations[b].Labels.Count + (pastes[b] ?? []).Sum(s => s.Labels.Count));
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Math.Min(states.Length, get_num_threads())) };
        Parallel.For(0, states.Length, parallel, b =>
        {
            foreach (PasteSource step in pastes[b] ?? [])
            {
                Paste(options, states[b], images, b * 3 * plane, h, w, step);
                states[b].EndStep(options);
            }
        });

        return new PasteBatch(images, [.. states.Select(ToTargets)]);
    }

    private static void Paste(PasteKernelOptions o, HostObjects state, Tensor images, int imageOffset, int h, int w, PasteSource step)
    {
        int dx0 = Math.Max(step.X, 0), dy0 = Math.Max(step.Y, 0);
        int dx1 = Math.Min(step.X + step.Width, w), dy1 = Math.Min(step.Y + step.Height, h);
        if (dx1 <= dx0 || dy1 <= dy0)
        {
            return; // entirely outside: nothing drawn, no object
        }

        var r = new Region(dx0, dy0, dx1 - dx0, dy1 - dy0);
        int sx = dx0 - step.X, sy = dy0 - step.Y;
        int pw = step.Width, ph = step.Height, area = r.W * r.H;
        using var scope = NewDisposeScope();
        // A resized instance stays float32 (libtorch's bilinear); only its visible pixels are rounded to bytes below.
        Tensor? resized = step.IsInstance ? Resized(step, o) : null;
        Tensor pixels = resized is not null && resized.dtype == ScalarType.Float32 ? resized : (resized ?? step.Pixels.cpu().contiguous());
        Tensor? groupMasks = step.IsInstance ? null : step.Masks!.cpu().contiguous();
        bool isFloat = pixels.dtype == ScalarType.Float32;
        ReadOnlySpan<byte> src = isFloat ? default : pixels.bytes;
        ReadOnlySpan<float> srcFloat = isFloat ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(pixels.bytes) : default;
        byte[] rented = ArrayPool<byte>.Shared.Rent(4 * area);
        try
        {
            // rgb: 3 planes of the region's pasted colours; union: 0/1, where the paste draws and occludes.
            Span<byte> rgb = rented.AsSpan(0, 3 * area), union = rented.AsSpan(3 * area, area);
            int sourcePlane = ph * pw;
            for (int y = 0; y < r.H; y++)
            {
                int sourceRow = (sy + y) * pw;
                for (int c = 0; c < 3; c++)
                {
                    Span<byte> target = rgb.Slice((c * area) + (y * r.W), r.W);
                    SourceRow(src, srcFloat, isFloat, (c * sourcePlane) + sourceRow, pw, sx, r.W, step.Flip, target);
                }

                Span<byte> u = union.Slice(y * r.W, r.W);
                if (step.IsInstance)
                {
                    SourceRow(src, srcFloat, isFloat, (3 * sourcePlane) + sourceRow, pw, sx, r.W, step.Flip, u);
                    Threshold(u, (byte)o.AlphaThreshold);
                }
                else
                {
                    u.Clear();
                    ReadOnlySpan<byte> masks = groupMasks!.bytes;
                    for (int k = 0; k < step.Labels.Count; k++)
                    {
                        Or(u, masks.Slice((k * sourcePlane) + sourceRow + sx, r.W));
                    }
                }
            }

            Span<byte> image = images.bytes.Slice(imageOffset, 3 * h * w);
            for (int c = 0; c < 3; c++)
            {
                for (int y = 0; y < r.H; y++)
                {
                    Select(image.Slice((c * h * w) + ((r.Y + y) * w) + r.X, r.W), rgb.Slice((c * area) + (y * r.W), r.W), union.Slice(y * r.W, r.W));
                }
            }

            state.Occlude(r, union);
            if (step.IsInstance)
            {
                state.Add(r, union, step.Labels[0]);
                return;
            }

            ReadOnlySpan<byte> objectMasks = groupMasks!.bytes;
            Span<byte> one = rgb[..area]; // the colours are composited already: reuse their room
            for (int k = 0; k < step.Labels.Count; k++)
            {
                for (int y = 0; y < r.H; y++)
                {
                    objectMasks.Slice((k * sourcePlane) + ((sy + y) * pw) + sx, r.W).CopyTo(one.Slice(y * r.W, r.W));
                }

                state.Add(r, one, step.Labels[k]);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// The instance at its target size: <c>uint8 [4,h,w]</c> when it already has it, else libtorch's bilinear output,
    /// <c>float32 [4,h,w]</c>, as the tensor path computes it (rounded later, only where visible).
    /// </summary>
    private static Tensor Resized(PasteSource step, PasteKernelOptions o)
    {
        Tensor px = step.Pixels.cpu();
        if (px.shape[1] == step.Height && px.shape[2] == step.Width)
        {
            return px.contiguous();
        }

        Tensor f = nn.functional.interpolate(px.to(ScalarType.Float32).unsqueeze(0), [step.Height, step.Width], mode: InterpolationMode.Bilinear, align_corners: false, antialias: o.Antialias);
        return f[0].contiguous();
    }

    /// <summary>
    /// Columns sx .. sx + width of a placed row as bytes, mirrored when flipped (placed column c is source column
    /// pw - 1 - c). Float rows are rounded half to even, as <c>torch.round</c>; bilinear weights are non-negative and
    /// sum to one, so the values stay in 0-255 and the tensor path's clamp changes nothing.
    /// </summary>
    private static void SourceRow(ReadOnlySpan<byte> src, ReadOnlySpan<float> srcFloat, bool isFloat, int rowStart, int pw, int sx, int width, bool flip, Span<byte> target)
    {
        int start = flip ? rowStart + pw - sx - width : rowStart + sx;
        if (isFloat)
        {
            RoundToBytes(srcFloat.Slice(start, width), target);
        }
        else
        {
            src.Slice(start, width).CopyTo(target);
        }

        if (flip)
        {
            target.Reverse();
        }
    }

    /// <summary>Rounds half to even and stores as bytes (values known to be in 0-255), four float vectors at a time.</summary>
    private static void RoundToBytes(ReadOnlySpan<float> values, Span<byte> target)
    {
        int i = 0, n = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= values.Length - (4 * n); i += 4 * n)
            {
                Vector<uint> a = Vector.AsVectorUInt32(Vector.ConvertToInt32(Vector.Round(new Vector<float>(values.Slice(i, n)))));
                Vector<uint> b = Vector.AsVectorUInt32(Vector.ConvertToInt32(Vector.Round(new Vector<float>(values.Slice(i + n, n)))));
                Vector<uint> c = Vector.AsVectorUInt32(Vector.ConvertToInt32(Vector.Round(new Vector<float>(values.Slice(i + (2 * n), n)))));
                Vector<uint> d = Vector.AsVectorUInt32(Vector.ConvertToInt32(Vector.Round(new Vector<float>(values.Slice(i + (3 * n), n)))));
                Vector.Narrow(Vector.Narrow(a, b), Vector.Narrow(c, d)).CopyTo(target.Slice(i, 4 * n));
            }
        }

        for (; i < values.Length; i++)
        {
            target[i] = (byte)MathF.Round(values[i], MidpointRounding.ToEven);
        }
    }

    private static void Threshold(Span<byte> values, byte threshold)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var t = new Vector<byte>(threshold);
            var one = new Vector<byte>(1);
            for (; i <= values.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            {
                Span<byte> s = values.Slice(i, Vector<byte>.Count);
                (Vector.GreaterThan(new Vector<byte>(s), t) & one).CopyTo(s);
            }
        }

        for (; i < values.Length; i++)
        {
            values[i] = (byte)(values[i] > threshold ? 1 : 0);
        }
    }

    private static void Or(Span<byte> into, ReadOnlySpan<byte> other)
    {
        for (int i = 0; i < into.Length; i++)
        {
            into[i] |= other[i];
        }
    }

    /// <summary>dst = union ? src : dst, with union 0/1.</summary>
    private static void Select(Span<byte> dst, ReadOnlySpan<byte> src, ReadOnlySpan<byte> union)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= dst.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            {
                Span<byte> d = dst.Slice(i, Vector<byte>.Count);
                Vector<byte> take = Vector.GreaterThan(new Vector<byte>(union.Slice(i, Vector<byte>.Count)), Vector<byte>.Zero);
                Vector.ConditionalSelect(take, new Vector<byte>(src.Slice(i, Vector<byte>.Count)), new Vector<byte>(d)).CopyTo(d);
            }
        }

        for (; i < dst.Length; i++)
        {
            if (union[i] != 0)
            {
                dst[i] = src[i];
            }
        }
    }

    /// <summary>The live objects in slot order: masks compacted in place (views of one buffer), the rest new tensors.</summary>
    private static PasteTargets ToTargets(HostObjects s)
    {
        var kept = new List<int>(s.Count);
        for (int i = 0; i < s.Count; i++)
        {
            if (s.Alive[i])
            {
                kept.Add(i);
            }
        }

        Span<byte> all = s.Masks.bytes;
        int plane = (int)(s.Masks.shape[1] * s.Masks.shape[2]);
        var boxes = new float[4 * kept.Count];
        for (int i = 0; i < kept.Count; i++)
        {
            int k = kept[i];
            if (k != i)
            {
                // Kept slots only move down, so a slot is read before it can be overwritten.
                all.Slice(k * plane, plane).CopyTo(all.Slice(i * plane, plane));
            }

            for (int j = 0; j < 4; j++)
            {
                boxes[(4 * i) + j] = s.Boxes[(4 * k) + j];
            }
        }

        return new PasteTargets(
            s.Masks.narrow(0, 0, kept.Count),
            tensor(boxes).view(kept.Count, 4),
            tensor(kept.Select(i => s.Labels[i]).ToArray()),
            tensor(kept.Select(i => s.Area[i]).ToArray()),
            tensor(kept.Select(i => s.Pasted[i]).ToArray()))
        {
            Origins = [.. kept],
            EntryBoxes = [.. kept.SelectMany(k => s.StartBoxes.AsSpan(4 * k, 4).ToArray().Select(v => (float)v))],
        };
    }
}
