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
        var categories = new CategoryArguments(required: true);
        var images = new Option<DirectoryInfo?>("--images") { Description = "Read crawled or generated images from this {root}/{category}/ folder instead of generating (--model)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "The run's folder: images/, bank/ (or shard-K-of-N/ per shard) and runs/.", Required = true }.NotAFile();
        var prompt = new Option<string?>("--prompt") { Description = "The prompt template: {name} is the category name with underscores as spaces (X-Paste: 'a photo of a single {name}')." };
        var perCategory = new Option<int>("--per-category") { Description = "Images per category (X-Paste: 100).", DefaultValueFactory = _ => 100 }.AtLeast(1);
        var startOver = new Option<bool>("--start-over") { Description = "Start a shard (and its images) over when it was begun with other settings, instead of refusing." };
        var generation = new GenerationArguments(modelRequired: false, "--generate-batch",
            "Run seed: image k of a category uses a seed derived from it, the category name and k.");
        var extraction = new ExtractionArguments();
        var command = new Command("run", "The offline half in one resumable command: generate (or read) images, extract, select and filter with CLIP, cut out into a bank; sharded for Kubernetes Indexed Jobs and Slurm arrays.")
        {
            images, output, prompt, perCategory, startOver,
        };
        categories.AddTo(command);
        generation.AddTo(command);
        extraction.AddTo(command);
        command.SetAction((parse, cancellationToken) => BankCommand.Run(async () =>
        {
            IReadOnlyList<CategoryInfo> all = categories.Categories(parse);
            ShardSpec spec = categories.Shard(parse);
            DirectoryInfo? imageFolder = parse.GetValue(images);
            if (imageFolder is null == parse.GetValue(generation.Model) is null)
            {
                throw new CliUsageException("--images/--model: give either --model (generate the images) or --images (read crawled or generated ones)");
            }

            CategoryGenerationOptions? generationOptions = imageFolder is null
                ? generation.CategoryOptions(parse, parse.GetValue(prompt), parse.GetValue(perCategory), parse.GetValue(startOver))
                : null;
            StableDiffusionGeneratorOptions? samplerOptions = imageFolder is null ? generation.GeneratorOptions(parse) : null;
            using ExtractionSetup setup = await extraction.CreateAsync(parse, cancellationToken).ConfigureAwait(false);
            using StableDiffusionGenerator? generator = samplerOptions is null ? null : generation.CreateGenerator(parse, setup.Device, cancellationToken);
            var options = new BankRunOptions
            {
                OutputFolder = parse.GetValue(output)!.FullName,
                Categories = all,
                ImagesFolder = imageFolder?.FullName,
                Shard = spec,
                Settings = setup.Settings,
                StartOver = parse.GetValue(startOver),
            };
            var run = new BankRun(options, generator is null ? null : new CategoryImageGenerator(generator, generationOptions), setup.Pipeline);
            Console.Error.WriteLine($"shard {spec}: {run.ShardCategories.Count} of {all.Count} categories; {setup.Description}; bank {options.BankFolder}");
            try
            {
                BankShardManifest manifest = await ConsoleProgress.RunAsync("bank run", (progress, ct) => run.RunAsync(progress, ct), cancellationToken).ConfigureAwait(false);
                WriteSummary(manifest);
                return 0;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"{options.OutputFolder}: stopped; finished categories are kept. Run the same command again to continue.");
                return ExitCodes.Canceled;
            }
        }));
        return command;
    }

    private static void WriteSummary(BankShardManifest manifest)
    {
        // No title: the run's first line already names the shard and its bank (a title repeated it, and wraps at the table's width).
        var table = new Table()
            .AddColumn("category").AddColumn("kept", c => c.RightAligned()).AddColumn("rejected", c => c.RightAligned()).AddColumn("reasons");
        foreach ((string name, CategoryRunSummary s) in manifest.Summary ?? new Dictionary<string, CategoryRunSummary>())
        {
            string reasons = s.Reasons.Count == 0 ? "none" : string.Join("; ", s.Reasons.OrderByDescending(p => p.Value).Select(p => $"{p.Value} {p.Key}"));
            table.AddRow(Markup.Escape(name), s.Kept.ToString(CultureInfo.InvariantCulture), s.Rejected.ToString(CultureInfo.InvariantCulture), Markup.Escape(reasons));
        }

        AnsiConsole.Console.Write(table);
    }
}
