using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using XPaste.Abstractions;
using XPaste.Clip;
using XPaste.Extraction;
using XPaste.Generation;
using XPaste.Generation.Categories;
using XPaste.Offline;
using XPaste.Sharding;
using static TorchSharp.torch;

namespace XPaste.Cli.Commands;

/// <summary>
/// <c>xpaste bank run --categories FILE (--images DIR | --model SD) --out DIR [--shard K/N | --shards N]</c>: the offline
/// half in one resumable command. Every worker of a Kubernetes Indexed Job or Slurm array runs the same command line;
/// <c>xpaste bank merge</c> then joins the shard banks. Options can come from a file: <c>xpaste bank run @run.rsp</c>.
/// </summary>
internal static class BankRunCommand
{
    public static Command Create()
    {
        var categoriesFile = new Option<FileInfo>("--categories") { Description = "The categories: a COCO/LVIS dataset .json (ids from it) or a text file of names, one a line.", Required = true };
        var frequency = new Option<string?>("--frequency") { Description = "Only these LVIS frequencies, e.g. r or r,c (needs a dataset .json)." };
        var only = new Option<string[]>("--category") { Description = "Only these category names (repeat for several).", AllowMultipleArgumentsPerToken = true };
        var images = new Option<DirectoryInfo?>("--images") { Description = "Read crawled or generated images from this {root}/{category}/ folder instead of generating." };
        var output = new Option<DirectoryInfo>("--out") { Description = "The run's folder: images/, bank/ (or shard-K-of-N/ per shard) and runs/.", Required = true }.NotAFile();
        var shard = new Option<string?>("--shard") { Description = ShardOption.ShardDescription };
        var shards = new Option<int?>("--shards") { Description = ShardOption.ShardsDescription }.AtLeast(1);
        var startOver = new Option<bool>("--start-over") { Description = "Start a shard (and its images) over when it was begun with other settings, instead of refusing." };
        var generation = new GenerationArguments();
        var extraction = new ExtractionArguments();
        var command = new Command("run", "The offline half in one resumable command: generate (or read) images, extract, select and filter with CLIP, cut out into a bank; sharded for Kubernetes Indexed Jobs and Slurm arrays.")
        {
            categoriesFile, frequency, only, images, output, shard, shards, startOver,
        };
        generation.AddTo(command);
        extraction.AddTo(command);
        command.SetAction((parse, cancellationToken) => BankCommand.Run(async () =>
        {
            string[] frequencies = (parse.GetValue(frequency) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (string f in frequencies)
            {
                if (f is not ("r" or "c" or "f"))
                {
                    throw new ArgumentException($"--frequency: '{f}' is not an LVIS frequency (r, c or f)");
                }
            }

            IReadOnlyList<CategoryInfo> categories = CategoryList.Load(parse.GetValue(categoriesFile)!.FullName, frequencies);
            string[] names = parse.GetValue(only) ?? [];
            if (names.Length > 0)
            {
                categories = CategoryList.Select(categories, names, "--category");
            }

            ShardSpec spec = ShardOption.Resolve(parse.GetValue(shard), parse.GetValue(shards));
            DirectoryInfo? imageFolder = parse.GetValue(images);
            if (imageFolder is null == parse.GetValue(generation.Model) is null)
            {
                throw new ArgumentException("--images/--model: give either --model (generate the images) or --images (read crawled or generated ones)");
            }

            CategoryGenerationOptions? generationOptions = imageFolder is null ? generation.ParseOptions(parse, parse.GetValue(startOver)) : null;
            using ExtractionSetup setup = await extraction.CreateAsync(parse, cancellationToken).ConfigureAwait(false);
            using StableDiffusionGenerator? generator = generationOptions is null ? null
                : generation.CreateGenerator(parse, ExtractionArguments.ResolveDevice(parse.GetValue(extraction.Device)!));
            var options = new BankRunOptions
            {
                OutputFolder = parse.GetValue(output)!.FullName,
                Categories = categories,
                ImagesFolder = imageFolder?.FullName,
                Shard = spec,
                Settings = setup.Settings,
                StartOver = parse.GetValue(startOver),
            };
            var run = new BankRun(options, generator is null ? null : new CategoryImageGenerator(generator, generationOptions), setup.Stage);
            Console.Error.WriteLine($"shard {spec}: {run.ShardCategories.Count} of {categories.Count} categories; {setup.Description}; bank {options.BankFolder}");
            try
            {
                RunManifest manifest = await ConsoleProgress.RunAsync("bank run", (progress, ct) => run.RunAsync(progress, ct), cancellationToken).ConfigureAwait(false);
                WriteSummary(manifest);
                return 0;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"{options.OutputFolder}: stopped; finished categories are kept. Run the same command again to continue.");
                return 130;
            }
        }));
        return command;
    }

    private static void WriteSummary(RunManifest manifest)
    {
        var table = new Table().Title($"shard {manifest.ShardIndex}/{manifest.ShardCount}: {manifest.Bank}")
            .AddColumn("category").AddColumn("kept", c => c.RightAligned()).AddColumn("rejected", c => c.RightAligned()).AddColumn("reasons");
        foreach ((string name, CategoryRunSummary s) in manifest.Summary ?? new Dictionary<string, CategoryRunSummary>())
        {
            string reasons = string.Join("; ", s.Reasons.OrderByDescending(p => p.Value).Select(p => $"{p.Value} {p.Key}"));
            table.AddRow(Markup.Escape(name), s.Kept.ToString(CultureInfo.InvariantCulture), s.Rejected.ToString(CultureInfo.InvariantCulture), Markup.Escape(reasons));
        }

        AnsiConsole.Console.Write(table);
    }
}
