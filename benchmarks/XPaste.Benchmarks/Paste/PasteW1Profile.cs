using System.Diagnostics;
using XPaste.Augment;
using static TorchSharp.torch;

namespace XPaste.Benchmarks.Paste;

/// <summary>
/// Where the kernel's time goes on W1 (<c>--profile-w1</c>): the whole kernel, then each kind of work it does, run alone
/// on the same data with the same operations, so the parts can be compared within one process. Not a benchmark:
/// Stopwatch medians and minimums over a few rounds (on a shared machine the minimum is the least disturbed), to decide what to optimise.
/// </summary>
internal static class PasteW1Profile
{
    public static void Run(int rounds)
    {
        var w1 = new PasteW1Benchmarks();
        w1.Setup();
        try
        {
            (AnnotatedImage[] dsts, PasteSource[][] pastes) = w1.Workload;
            var kernel = new PasteKernel(new PasteKernelOptions { Blending = BlendMode.Hard, Occlusion = OcclusionRule.Reference });
            PasteSource[] all = [.. pastes.SelectMany(p => p)];
            var tensorPath = new PasteKernel(kernel.Options) { UseTensorPathOnCpu = true };
            Report("whole kernel, tensor path (8 images)", rounds, () =>
            {
                using PasteBatch b = tensorPath.Run(dsts, pastes);
            });
            Report("whole kernel, managed CPU path (8 images)", rounds, () =>
            {
                using PasteBatch b = kernel.Run(dsts, pastes);
            });
            Report("managed path: stack images", rounds, () =>
            {
                using var scope = NewDisposeScope();
                stack(dsts.Select(d => d.Image), 0).contiguous();
            });
            Report("managed path: per image state (copy masks, count rows and columns, zero pasted slots)", rounds, () =>
            {
                using var scope = NewDisposeScope();
                foreach (AnnotatedImage d in dsts)
                {
                    _ = new HostObjects(d, 18);
                }
            });
            Report("managed path: resize (uint8 to float, bilinear) of the 80 instances", rounds, () =>
            {
                using var scope = NewDisposeScope();
                foreach (PasteSource s in all)
                {
                    nn.functional.interpolate(s.Pixels.to(ScalarType.Float32).unsqueeze(0), [s.Height, s.Width], mode: InterpolationMode.Bilinear, align_corners: false);
                }
            });
            Report("batch setup: stack images, copy masks, zero pasted slots", rounds, () =>
            {
                using var scope = NewDisposeScope();
                Tensor images = stack(dsts.Select(d => d.Image), 0);
                foreach (AnnotatedImage d in dsts)
                {
                    Tensor slots = empty([18, 640, 640], ScalarType.Bool);
                    slots.narrow(0, 0, 8).copy_(d.Masks);
                    slots.narrow(0, 8, 10).zero_();
                }
            });
            Report("initial row+column counts over the existing masks", rounds, () =>
            {
                using var scope = NewDisposeScope();
                foreach (AnnotatedImage d in dsts)
                {
                    d.Masks.sum(2, type: ScalarType.Int32);
                    d.Masks.sum(1, type: ScalarType.Int32);
                }
            });
            Report("instance resize+flip+round+threshold (80 pastes)", rounds, () =>
            {
                using var scope = NewDisposeScope();
                foreach (PasteSource s in all)
                {
                    Tensor f = s.Pixels.to(ScalarType.Float32).unsqueeze(0);
                    f = nn.functional.interpolate(f, [s.Height, s.Width], mode: InterpolationMode.Bilinear, align_corners: false);
                    if (s.Flip)
                    {
                        f = f.flip(3);
                    }

                    f = f.round().clamp(0, 255)[0];
                    f[3].gt(0);
                }
            });
            Report("  of which interpolate alone", rounds, () =>
            {
                using var scope = NewDisposeScope();
                foreach (PasteSource s in all)
                {
                    nn.functional.interpolate(s.Pixels.to(ScalarType.Float32).unsqueeze(0), [s.Height, s.Width], mode: InterpolationMode.Bilinear, align_corners: false);
                }
            });
            Report("per-paste region work: composite + occlusion + counts, 8 objects each (80 pastes)", rounds, () =>
            {
                using var scope = NewDisposeScope();
                Tensor masks = zeros([18, 640, 640], ScalarType.Bool);
                Tensor rows = zeros([18, 640], ScalarType.Int32), cols = zeros([18, 640], ScalarType.Int32);
                Tensor image = zeros([3, 640, 640], ScalarType.Byte);
                foreach (PasteSource s in all)
                {
                    using var inner = NewDisposeScope();
                    int x0 = Math.Max(s.X, 0), y0 = Math.Max(s.Y, 0), x1 = Math.Min(s.X + s.Width, 640), y1 = Math.Min(s.Y + s.Height, 640);
                    int rw = x1 - x0, rh = y1 - y0;
                    Tensor union = ones([rh, rw], ScalarType.Bool);
                    Tensor rgb = zeros([3, rh, rw], ScalarType.Float32);
                    Tensor dst = image.narrow(1, y0, rh).narrow(2, x0, rw);
                    dst.copy_(where(union, rgb.to(ScalarType.Byte), dst));
                    Tensor inside = masks.narrow(0, 0, 8).narrow(1, y0, rh).narrow(2, x0, rw);
                    Tensor removed = inside.logical_and(union);
                    inside.logical_and_(union.logical_not());
                    rows.narrow(0, 0, 8).narrow(1, y0, rh).sub_(removed.sum(2, type: ScalarType.Int32));
                    cols.narrow(0, 0, 8).narrow(1, x0, rw).sub_(removed.sum(1, type: ScalarType.Int32));
                    masks[8].narrow(0, y0, rh).narrow(1, x0, rw).copy_(union);
                    rows[8].narrow(0, y0, rh).copy_(union.sum(1, type: ScalarType.Int32));
                    cols[8].narrow(0, x0, rw).copy_(union.sum(0, type: ScalarType.Int32));
                }
            });
            Report("tiny-op overhead: 1000 narrow+fill_ on a 1-element view", rounds, () =>
            {
                using var scope = NewDisposeScope();
                Tensor t = zeros([4, 4], ScalarType.Int32);
                for (int i = 0; i < 1000; i++)
                {
                    using Tensor v = t.narrow(0, 1, 1);
                    v.fill_(i);
                }
            });
            Report("floor: one copy of every input and output byte", rounds, () => w1.Floor());
        }
        finally
        {
            w1.Cleanup();
        }
    }

    private static void Report(string what, int rounds, Action action)
    {
        action();
        var times = new double[rounds];
        for (int i = 0; i < rounds; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times[i] = sw.Elapsed.TotalMilliseconds;
        }

        Array.Sort(times);
        Console.WriteLine($"{times[rounds / 2],9:F2} ms median {times[0],9:F2} ms min  {what}");
    }
}
