using System.Globalization;
using BenchmarkDotNet.Attributes;
using XPaste.Generation;
using static TorchSharp.torch;

namespace XPaste.Benchmarks.Generation;

/// <summary>
/// The Stable Diffusion v1.5 architecture (published configs, random weights), fp32 on the CPU: one UNet step at
/// 512x512 (latents 64x64) for a batch of 2 (the classifier-free-guidance batch of one image), and the VAE decode
/// of one 512x512 image. <c>benchmarks/python/sd_unet_step.py</c> times the same in PyTorch; compare the two in
/// one sitting. Peak memory: the process's peak resident set above its level before the call (VmHWM, reset per
/// iteration through <c>/proc/self/clear_refs</c>), printed as <c>PEAK ...</c>, and the process CPU time of
/// the call as <c>CPU n s</c>.
/// Threads: <c>XPASTE_TORCH_THREADS</c> (set the same in the Python script). Run with <c>--inProcess</c>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet frees the models in GlobalCleanup.")]
public class StableDiffusionBenchmarks
{
    private UNet2DConditionModel _unet = null!;
    private AutoencoderKL _vae = null!;
    private Tensor _latents = null!;
    private Tensor _timestep = null!;
    private Tensor _context = null!;
    private Tensor _z = null!;
    private long _rssBefore;
    private TimeSpan _cpuBefore;

    [GlobalSetup]
    public void Setup()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("XPASTE_TORCH_THREADS"), out int threads) && threads > 0)
        {
            set_num_threads(threads);
        }

        manual_seed(0);
        _unet = RandomUnet();
        _vae = new AutoencoderKL(AutoencoderKLConfig.Parse(Sd15Configs.Vae));
        foreach (var p in _vae.parameters())
        {
            p.requires_grad = false;
        }

        (_latents, _timestep, _context) = UnetStepInputs();
        _z = randn(1, 4, 64, 64);
    }

    /// <summary>SD 1.5's UNet with the current seed's random weights, frozen.</summary>
    internal static UNet2DConditionModel RandomUnet()
    {
        var unet = new UNet2DConditionModel(UNet2DConditionConfig.Parse(Sd15Configs.Unet));
        foreach (var p in unet.parameters())
        {
            p.requires_grad = false;
        }

        return unet;
    }

    /// <summary>One UNet step's inputs at 512x512 with CFG: latents <c>[2,4,64,64]</c>, timestep 999, text states <c>[2,77,768]</c>.</summary>
    internal static (Tensor Latents, Tensor Timestep, Tensor Context) UnetStepInputs() => (randn(2, 4, 64, 64), tensor(999L), randn(2, 77, 768));

    [GlobalCleanup]
    public void Cleanup()
    {
        _unet.Dispose();
        _vae.Dispose();
        _latents.Dispose();
        _timestep.Dispose();
        _context.Dispose();
        _z.Dispose();
    }

    [IterationSetup]
    public void ResetPeak()
    {
        GC.Collect();
        _rssBefore = PeakMemory.Reset();
        _cpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
    }

    // CPU time as well as wall time: on a shared machine the wall time mostly measures the other tenants.
    [IterationCleanup]
    public void ReportPeak()
    {
        TimeSpan cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - _cpuBefore;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CPU {cpu.TotalSeconds:F1} s"));
        PeakMemory.Report(_rssBefore);
    }

    /// <summary>One UNet call, batch 2, 64x64 latents, in inference mode.</summary>
    [Benchmark]
    public float UnetStep()
    {
        using var mode = inference_mode();
        using Tensor noise = _unet.call(_latents, _timestep, _context);
        return noise[0, 0, 0, 0].item<float>();
    }

    /// <summary>One VAE decode of a 64x64 latent to a 512x512 image, in inference mode.</summary>
    [Benchmark]
    public float VaeDecode512()
    {
        using var mode = inference_mode();
        using Tensor image = _vae.Decode(_z);
        return image[0, 0, 0, 0].item<float>();
    }
}

/// <summary>Peak resident memory of this process (Linux: VmHWM, reset through <c>/proc/self/clear_refs</c>).</summary>
internal static class PeakMemory
{
    public static long Reset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Read("VmRSS:");
    }

    public static long Peak() => Read("VmHWM:");

    public static void Report(long before)
    {
        long peak = Read("VmHWM:");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PEAK rss={peak / 1048576} MiB, above start={(peak - before) / 1048576} MiB"));
    }

    private static long Read(string field)
    {
        if (!File.Exists("/proc/self/status"))
        {
            return 0;
        }

        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
}
