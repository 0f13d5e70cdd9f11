using XPaste.Augment;
using static TorchSharp.torch;

namespace XPaste.Benchmarks.Paste;

/// <summary>
/// How much each difference between the authors' paste and ours changes W1's outputs (<c>--parity-w1</c>): each is
/// switched on its own, against the defaults, and the outputs are compared in pixels. Numbers for docs/parity.md.
/// </summary>
internal static class ParityW1
{
    public static void Run()
    {
        var w1 = new PasteW1Benchmarks();
        w1.Setup();
        try
        {
            (AnnotatedImage[] dsts, PasteSource[][] pastes) = w1.Workload;
            using var scope = NewDisposeScope();
            using PasteBatch defaults = new PasteKernel().Run(dsts, pastes);
            using PasteBatch tight = new PasteKernel(new PasteKernelOptions { AlphaThreshold = 128 }).Run(dsts, pastes);
            using PasteBatch keepEmpty = new PasteKernel(new PasteKernelOptions { DropEmptyObjects = false }).Run(dsts, pastes);

            long Pasted(PasteBatch b) => b.Targets.Sum(t => t.Areas.masked_select(t.IsPasted).sum().item<long>());
            long all = defaults.Targets.Sum(t => t.Areas.sum().item<long>());
            long pastedArea = Pasted(defaults), pastedTight = Pasted(tight);
            Console.WriteLine($"alpha > 0 (default) vs alpha > 128: pasted mask area {pastedArea} vs {pastedTight} px (+{100.0 * (pastedArea - pastedTight) / pastedTight:F2}%), " +
                $"all objects {all} vs {tight.Targets.Sum(t => t.Areas.sum().item<long>())} px; image bytes differing {defaults.Images.ne(tight.Images).sum().item<long>()} of {defaults.Images.NumberOfElements}; " +
                $"objects {defaults.Targets.Sum(t => t.Count)} vs {tight.Targets.Sum(t => t.Count)}");
            Console.WriteLine($"empty masks dropped (default) vs kept (reference): objects {defaults.Targets.Sum(t => t.Count)} vs {keepEmpty.Targets.Sum(t => t.Count)}");

            // Planning: the same draws with each rounding.
            var pool = (IPasteInstancePool)typeof(PasteW1Benchmarks).GetField("_pool", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(w1)!;
            int steps = 0, heights = 0, positions = 0;
            long areaDelta = 0, shift = 0;
            for (ulong seed = 0; seed < 2000; seed++)
            {
                var reference = new XPastePolicy(new XPastePolicyOptions { MinCount = 16, MaxCount = 16 }).Plan(new PasteContext(640, 640, [], pool), new PasteRandom(seed)).Cast<InstancePasteStep>().ToArray();
                var symmetric = new XPastePolicy(new XPastePolicyOptions { MinCount = 16, MaxCount = 16, Rounding = PlacementRounding.Symmetric }).Plan(new PasteContext(640, 640, [], pool), new PasteRandom(seed)).Cast<InstancePasteStep>().ToArray();
                if (reference.Length != symmetric.Length)
                {
                    continue; // a different rejection changes the rest of the draws
                }

                foreach (var (r, s) in reference.Zip(symmetric))
                {
                    steps++;
                    heights += r.Height != s.Height ? 1 : 0;
                    areaDelta += ((long)r.Width * r.Height) - ((long)s.Width * s.Height);
                    positions += r.X != s.X || r.Y != s.Y ? 1 : 0;
                    shift += Math.Abs(r.X - s.X) + Math.Abs(r.Y - s.Y);
                }
            }

            Console.WriteLine($"rounding, reference (default) vs symmetric, over {steps} planned pastes on 640x640: heights differ in {100.0 * heights / steps:F1}% (by one pixel), " +
                $"mean box area +{(double)areaDelta / steps:F1} px per paste; positions differ in {100.0 * positions / steps:F1}%, mean |dx|+|dy| {(double)shift / steps:F2} px");
        }
        finally
        {
            w1.Cleanup();
        }
    }
}
