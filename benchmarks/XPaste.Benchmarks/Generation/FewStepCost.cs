using System.Diagnostics;
using System.Globalization;
using XPaste.Generation;
using XPaste.Generation.Schedulers;
using static TorchSharp.torch;

namespace XPaste.Benchmarks.Generation;

/// <summary>
/// Images per CPU-minute of X-Paste's generation settings and the few-step ones, on the SD v1.5 architecture with
/// random weights (fp32, CPU, inference mode): the process CPU time of one UNet call (batch 1, and batch 2 for CFG),
/// one text encoding and one decode (full VAE, TAESD) at each size, combined per recipe; plus whole pipeline runs at
/// the smallest size to check the sum. CPU time, not wall time: the machine is shared.
/// Run: <c>dotnet run -c Release --project benchmarks/XPaste.Benchmarks -- --threads 2 --fewstep-cost 256 512</c>.
/// </summary>
internal static class FewStepCost
{
    public static void Run(int[] sizes)
    {
        Console.WriteLine($"load average at start: {MachineLoad.All()}; threads {get_num_threads()}");
        using var mode = inference_mode();
        manual_seed(0);
        UNet2DConditionConfig unetConfig = UNet2DConditionConfig.StableDiffusion15 with { TimeCondProjDim = 256 };
        using var unet = new UNet2DConditionModel(unetConfig);
        using var vae = new AutoencoderKL(AutoencoderKLConfig.Parse(Sd15Configs.Vae));
        using var taesd = new AutoencoderTiny();
        using var text = new ClipTextModel(ClipTextModel.ReadConfig(ConfigJson.Parse(Sd15Configs.TextEncoder, "te")));
        using Tensor ids1 = randint(0, 49407, [1, 77]);
        using Tensor ids2 = randint(0, 49407, [2, 77]);
        using Tensor context1 = randn(1, 77, 768);
        using Tensor context2 = randn(2, 77, 768);
        using Tensor w = GuidanceEmbedding.ForScale(8, 1, 256);

        double te1 = Cpu(() => text.call(ids1));
        double te2 = Cpu(() => text.call(ids2));
        Console.WriteLine(Row("text encoder, 1 / 2 prompts", te1, te2));
        var results = new List<string>();
        foreach (int size in sizes)
        {
            long side = size / 8;
            using Tensor l1 = randn(1, 4, side, side);
            using Tensor l2 = randn(2, 4, side, side);
            if (size == sizes[0])
            {
                Cpu(() => unet.forward(l1, tensor(999L), context1));
            }

            double unet1 = Cpu(() => unet.forward(l1, tensor(999L), context1, w));
            double unet2 = Cpu(() => unet.forward(l2, tensor(999L), context2));
            double full = Cpu(() => vae.Decode(l1));
            double tiny = Cpu(() => taesd.Decode(l1));
            Console.WriteLine(Row($"{size}px: UNet batch 1 (LCM cond), batch 2 (CFG)", unet1, unet2));
            Console.WriteLine(Row($"{size}px: decode full VAE, TAESD", full, tiny));
            foreach ((string recipe, double denoise, double te) in new[]
            {
                ("DPM-Solver++ 50 steps + CFG", 50 * unet2, te2),
                ("LCM 4 steps", 4 * unet1, te1),
                ("Turbo 1 step", 1 * unet1, te1),
            })
            {
                foreach ((string decoder, double decode) in new[] { ("full VAE", full), ("TAESD", tiny) })
                {
                    double seconds = denoise + te + decode;
                    results.Add(string.Create(CultureInfo.InvariantCulture,
                        $"| {size} | {recipe} | {decoder} | {seconds:F1} | {60 / seconds:F3} |"));
                }
            }

            Console.WriteLine($"load average: {MachineLoad.All()}");
        }

        Console.WriteLine("| size | recipe | decoder | CPU s / image | images / CPU-minute |");
        results.ForEach(Console.WriteLine);
        EndToEnd(sizes[0], text, unet, vae, taesd);
        Console.WriteLine($"load average at end: {MachineLoad.All()}");
    }

    /// <summary>Whole pipeline runs (tokenizer, text encoder, sampler, decode) to check the sums above.</summary>
    private static void EndToEnd(int size, ClipTextModel text, UNet2DConditionModel unet, AutoencoderKL vae, AutoencoderTiny taesd)
    {
        string tokenizerFolder = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "tests", "Shared", "TestData", "generation", "sd_tiny", "tokenizer");
        if (!Directory.Exists(tokenizerFolder))
        {
            Console.WriteLine($"no tokenizer at {tokenizerFolder}: end-to-end runs skipped");
            return;
        }

        StableDiffusionTokenizer tokenizer = StableDiffusionTokenizer.FromFolder(tokenizerFolder);
        foreach ((string name, SchedulerKind kind, int steps, double guidance, string? spacing, string scheduler) in new[]
        {
            ("LCM 4 steps", SchedulerKind.Lcm, 4, 8.0, (string?)null, """{"_class_name": "LCMScheduler", "beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012, "original_inference_steps": 50}"""),
            ("Turbo 1 step", SchedulerKind.Euler, 1, 0.0, "trailing", Sd15Configs.Scheduler),
        })
        {
            foreach ((string decoder, StableDiffusionVae v) in new (string, StableDiffusionVae)[] { ("full VAE", vae), ("TAESD", taesd) })
            {
                // The pipeline does not own these models: disposing it leaves them.
                var models = new StableDiffusionModels(tokenizer, text, unet, v, scheduler, "random-sd15");
                using var pipeline = new StableDiffusionPipeline(models);
                var request = new TextToImageRequest { Prompts = ["a photo of a single kiwi"], Steps = steps, GuidanceScale = guidance, Scheduler = kind, TimestepSpacing = spacing, Width = size, Height = size, Seed = 1 };
                double seconds = Cpu(() => pipeline.Generate(request));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"end to end {size}px {name} + {decoder}: {seconds:F1} CPU s = {60 / seconds:F3} images / CPU-minute"));
            }
        }
    }

    private static double Cpu(Func<Tensor> call)
    {
        using var scope = NewDisposeScope();
        TimeSpan before = Process.GetCurrentProcess().TotalProcessorTime;
        call();
        return (Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds;
    }

    private static string Row(string what, double a, double b) => string.Create(CultureInfo.InvariantCulture, $"{what}: {a:F2} s, {b:F2} s CPU");
}
