using System.CommandLine;
using System.Globalization;
using XPaste.Generation;
using XPaste.Generation.Schedulers;
using XPaste.Imaging;
using static TorchSharp.torch;

namespace XPaste.Cli.Commands;

/// <summary>
/// <c>xpaste generate --model M --prompt P --out DIR</c>: text-to-image with Stable Diffusion. Image <c>i</c> comes
/// from seed <c>s + i</c> and is written to <c>DIR/{i:0000}.png</c> atomically; a rerun skips the images already there.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "A diffusers folder, a single-file checkpoint (.safetensors/.ckpt) or a Hub repo id.", Required = true };
        var prompt = new Option<string>("--prompt", "-p") { Description = "What to draw.", Required = true };
        var negative = new Option<string>("--negative") { Description = "What to steer away from (default: the empty prompt)." };
        var steps = new Option<int>("--steps") { Description = "Denoising steps.", DefaultValueFactory = _ => 50 }.AtLeast(1);
        var guidance = new Option<double>("--guidance") { Description = "Classifier-free guidance scale (<= 1: no guidance).", DefaultValueFactory = _ => 7.5 }.Finite();
        var scheduler = new Option<string>("--scheduler") { Description = "config (the model's own), dpm, ddim, pndm, euler or euler-a.", DefaultValueFactory = _ => "dpm" };
        scheduler.AcceptOnlyFromAmong("config", "dpm", "ddim", "pndm", "euler", "euler-a");
        var width = new Option<int?>("--width") { Description = "Image width, a multiple of 8 (default: the model's, 512 for SD 1.5)." }.MultipleOf(8);
        var height = new Option<int?>("--height") { Description = "Image height, a multiple of 8 (default: the model's)." }.MultipleOf(8);
        var size = new Option<int?>("--size") { Description = "Square images of this side, a multiple of 8 (instead of --width/--height)." }.MultipleOf(8);
        var seed = new Option<long>("--seed") { Description = "Image i uses seed + i (the picture diffusers makes with torch.Generator('cpu').manual_seed(seed + i)).", DefaultValueFactory = _ => 0 }.AtLeast(0L);
        var count = new Option<int>("--count", "-n") { Description = "How many images.", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var batch = new Option<int>("--batch") { Description = "Images per model call (memory for speed; the pictures do not change).", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var device = DeviceChoice.CreateOption();
        var output = new Option<string>("--out", "-o") { Description = "Output folder for 0000.png, 0001.png, ...", Required = true };
        var command = new Command("generate", "Generate images from a text prompt with Stable Diffusion (seeded, resumable).")
        {
            model, prompt, negative, steps, guidance, scheduler, width, height, size, seed, count, batch, device, output,
        };
        command.SetAction((parse, cancellationToken) => BankCommand.Run(() => RunAsync(new Settings(
            parse.GetValue(model)!, parse.GetValue(prompt)!, parse.GetValue(negative), parse.GetValue(steps), parse.GetValue(guidance),
            parse.GetValue(scheduler)!, parse.GetValue(width), parse.GetValue(height), parse.GetValue(size), parse.GetValue(seed),
            parse.GetValue(count), parse.GetValue(batch), parse.GetValue(device)!, parse.GetValue(output)!), cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(Settings s, CancellationToken cancellationToken)
    {
        SchedulerKind kind = SchedulerFactory.ParseKind(s.Scheduler);
        var (width, height) = Size(s);
        Positive("--count", s.Count);
        Positive("--batch", s.Batch);
        Positive("--steps", s.Steps);
        if (s.Seed < 0)
        {
            throw new InvalidInputException("--seed", $"{s.Seed} is negative");
        }

        string[] names = Enumerable.Range(0, s.Count).Select(i => Path.Combine(s.Out, i.ToString("D4", CultureInfo.InvariantCulture) + ".png")).ToArray();
        List<int[]> pieces = Pieces(Enumerable.Range(0, s.Count).Where(i => !File.Exists(names[i])).ToList(), s.Batch);
        int todo = pieces.Sum(p => p.Length);
        if (todo == 0)
        {
            Console.Error.WriteLine($"all {s.Count} image(s) are already in {s.Out}");
            return 0;
        }

        Device target = ResolveDevice(s.Device);
        using StableDiffusionPipeline pipeline = StableDiffusionPipeline.FromPretrained(s.Model, new StableDiffusionLoadOptions { Device = target });
        Directory.CreateDirectory(s.Out);
        int written = 0;
        try
        {
            await Generate(pipeline, s, kind, width, height, names, pieces, todo, () => written++, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"cancelled: {written} of {todo} new image(s) are written in {s.Out}; run the same command again to continue");
            return 130;
        }

        Console.WriteLine($"{todo} image(s) written to {s.Out}" + (todo < s.Count ? $" ({s.Count - todo} already there)" : string.Empty));
        return 0;
    }

    private static Task<int> Generate(StableDiffusionPipeline pipeline, Settings s, SchedulerKind kind, int? width, int? height,
        string[] names, List<int[]> pieces, int todo, Action imageWritten, CancellationToken cancellationToken) =>
        ConsoleProgress.RunAsync("generate", (progress, token) => Task.Run(() =>
        {
            int written = 0;
            progress.Report(new OperationProgress("images", 0, todo, "images"));
            foreach (int[] piece in pieces)
            {
                var request = new TextToImageRequest
                {
                    Prompts = [s.Prompt],
                    NegativePrompts = s.Negative is null ? null : [s.Negative],
                    Count = piece.Length,
                    GuidanceScale = s.Guidance,
                    Steps = s.Steps,
                    Width = width,
                    Height = height,
                    Scheduler = kind,
                    Seed = s.Seed + piece[0],
                };
                using var scope = NewDisposeScope();
                Tensor images = pipeline.Generate(request, new Synchronous(p => progress.Report(new OperationProgress("steps", p.Step, p.TotalSteps, "steps"))), token).cpu();
                for (int j = 0; j < piece.Length; j++)
                {
                    ImageIO.SavePng(images[j], names[piece[j]]);
                    imageWritten();
                }

                written += piece.Length;
                progress.Report(new OperationProgress("images", written, todo, "images"));
            }

            return written;
        }, token), cancellationToken);

    /// <summary>Runs of consecutive missing indices, cut to at most <paramref name="batch"/>: a request's seeds are consecutive.</summary>
    private static List<int[]> Pieces(List<int> missing, int batch)
    {
        var pieces = new List<int[]>();
        var current = new List<int>();
        foreach (int i in missing)
        {
            if (current.Count == batch || (current.Count > 0 && current[^1] != i - 1))
            {
                pieces.Add([.. current]);
                current.Clear();
            }

            current.Add(i);
        }

        if (current.Count > 0)
        {
            pieces.Add([.. current]);
        }

        return pieces;
    }

    private static (int? Width, int? Height) Size(Settings s)
    {
        if (s.Size is { } side)
        {
            if (s.Width is not null || s.Height is not null)
            {
                throw new InvalidInputException("--size", "give either --size or --width/--height, not both");
            }

            if (side < 8 || side % 8 != 0)
            {
                throw new InvalidInputException("--size", $"{side} is not a positive multiple of 8");
            }

            return (side, side);
        }

        // Checked before the models load; the pipeline checks again against the VAE's own factor.
        foreach (var (name, value) in new[] { ("--width", s.Width), ("--height", s.Height) })
        {
            if (value is { } v && (v < 8 || v % 8 != 0))
            {
                throw new InvalidInputException(name, $"{v} is not a positive multiple of 8");
            }
        }

        return (s.Width, s.Height);
    }

    private static void Positive(string name, int value)
    {
        if (value < 1)
        {
            throw new InvalidInputException(name, $"{value} is not a positive number");
        }
    }

    private static Device ResolveDevice(string name) => DeviceChoice.Resolve(name);

    private sealed record Settings(string Model, string Prompt, string? Negative, int Steps, double Guidance, string Scheduler,
        int? Width, int? Height, int? Size, long Seed, int Count, int Batch, string Device, string Out);

    private sealed class Synchronous(Action<GenerationProgress> report) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value) => report(value);
    }
}
