using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using XPaste.Generation;
using static TorchSharp.torch;

namespace XPaste.Benchmarks.Generation;

/// <summary>
/// <c>--unet-precision ROUNDS</c>: the SD 1.5 UNet (published config, random seeded weights), one step at batch 2 with
/// 64x64 latents, in fp32 and then in bfloat16 (weights and inputs cast, as a bf16 load would give), in one process
/// at libtorch's thread count: CPU and wall time per call (after one untimed call each) and how far the bf16 noise
/// prediction is from fp32's. An experiment for issue 25's UNet gap (the linear layers at libtorch's fp32 GEMM rate).
/// </summary>
internal static class UnetPrecision
{
    public static void Run(int rounds)
    {
        manual_seed(0);
        using UNet2DConditionModel unet = StableDiffusionBenchmarks.RandomUnet();
        (Tensor latents, Tensor timestep, Tensor context) = StableDiffusionBenchmarks.UnetStepInputs();
        using Tensor l = latents, t = timestep, c = context;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"threads {get_num_threads()}; load {MachineLoad.OneMinute()}"));

        using Tensor reference = Time("fp32", unet, latents, timestep, context, rounds);
        unet.to(ScalarType.BFloat16);
        using Tensor lowLatents = latents.to(ScalarType.BFloat16);
        using Tensor lowContext = context.to(ScalarType.BFloat16);
        using Tensor low = Time("bf16", unet, lowLatents, timestep, lowContext, rounds);

        using Tensor diff = (low.to(ScalarType.Float32) - reference).abs();
        double range = reference.abs().max().item<float>();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bf16 vs fp32: max |diff| {diff.max().item<float>():E2} ({diff.max().item<float>() / range:P2} of fp32's max |value| {range:F3}), mean |diff| {diff.mean().item<float>():E2}; load {MachineLoad.OneMinute()}"));
    }

    private static Tensor Time(string name, UNet2DConditionModel unet, Tensor latents, Tensor timestep, Tensor context, int rounds)
    {
        using var mode = inference_mode();
        unet.call(latents, timestep, context).Dispose();
        Tensor? last = null;
        for (int r = 0; r < rounds; r++)
        {
            last?.Dispose();
            TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            long t0 = Stopwatch.GetTimestamp();
            last = unet.call(latents, timestep, context);
            double wall = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: wall {wall:F2} s, CPU {cpu:F2} s; load {MachineLoad.OneMinute()}"));
        }

        return last!.to(ScalarType.Float32);
    }
}
