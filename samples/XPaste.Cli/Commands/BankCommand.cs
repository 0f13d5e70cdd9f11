using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using XPaste.Bank;
using XPaste.Coco;
using XPaste.Offline;
using XPaste.Sources;

namespace XPaste.Cli.Commands;

/// <summary><c>xpaste bank</c>: build, extract into, and summarise instance banks.</summary>
internal static class BankCommand
{
    public static Command Create()
    {
        var command = new Command("bank", "Build, extract into, and summarise instance banks.");
        command.Subcommands.Add(CreateBuild());
        command.Subcommands.Add(BankExtractCommand.Create());
        command.Subcommands.Add(CreateStats());
        command.Subcommands.Add(CreateVerify());
        command.Subcommands.Add(BankRunCommand.Create());
        command.Subcommands.Add(BankMergeCommand.Create());
        return command;
    }

    private static Command CreateBuild()
    {
        var dataset = new Option<FileInfo>("--dataset", "--from-dataset") { Description = "COCO/LVIS instances JSON whose annotated objects are cut out.", Required = true };
        var images = new Option<DirectoryInfo?>("--images") { Description = "Folder the JSON's file_names are relative to (default: images/ beside the JSON, else its folder)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "The bank folder; created if missing, resumed if it holds a bank.", Required = true }.NotAFile();
        var includeCrowd = new Option<bool>("--include-crowd") { Description = "Also cut out crowd regions (iscrowd: 1)." };
        var minArea = new Option<double>("--min-area") { Description = "Leave out annotations smaller than this many pixels.", DefaultValueFactory = _ => 0 }.AtLeast(0.0).Finite();
        var categories = new Option<string[]>("--category") { Description = "Only these categories, by name as in bank run and bank extract (a number is taken as a category id); repeat the option for several.", AllowMultipleArgumentsPerToken = true };
        var batch = new Option<int>("--batch-size") { Description = "Cut-outs committed together.", DefaultValueFactory = _ => 64 }.AtLeast(1);
        var verbose = new Option<bool>("--verbose") { Description = "List every rejected object with the reason." };
        var stats = new Option<bool>("--stats") { Description = "Print the bank's statistics afterwards." };

        var command = new Command("build", "Cut out every annotated object of a COCO/LVIS dataset into an instance bank (resumable: rerun to continue).")
        {
            dataset, images, output, includeCrowd, minArea, categories, batch, stats, verbose,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            FileInfo json = parse.GetValue(dataset)!;
            string imagesFolder = parse.GetValue(images)?.FullName ?? DefaultImagesFolder(json.FullName);
            string bankFolder = parse.GetValue(output)!.FullName;
            string[] only = parse.GetValue(categories) ?? [];
            return await Run(async () =>
            {
                CocoDataset coco = await CocoDataset.LoadAsync(json.FullName, cancellationToken: cancellationToken).ConfigureAwait(false);
                var options = new DatasetSourceOptions
                {
                    SkipCrowd = !parse.GetValue(includeCrowd),
                    MinArea = parse.GetValue(minArea),
                    CategoryIds = only.Length == 0 ? null : CategoryIdsOf(only, coco, json.ToString()),
                };
                var source = new DatasetInstanceSource(coco, imagesFolder, options);
                Console.Error.WriteLine($"{json.Name}: {source.Count} objects in {source.ImageCount} images; images from {imagesFolder}");
                using var bank = InstanceBank.OpenOrCreate(bankFolder);
                int before = bank.Count;
                int rejectedBefore = bank.Rejections.Count;
                try
                {
                    // The annotations are the candidates: the same pipeline as bank extract, with no extractor.
                    var pipeline = new OfflinePipeline([], options: new OfflinePipelineOptions
                    {
                        BatchSize = parse.GetValue(batch),
                        Selection = OfflinePipelineOptions.Annotations.Selection,
                    });
                    OfflineResult result = await ConsoleProgress.RunAsync("bank build",
                        (progress, ct) => pipeline.RunAsync(source, bank, progress, ct), cancellationToken).ConfigureAwait(false);
                    ExtractionReport.Write(Console.Error, bankFolder, result, bank, bank.Rejections.Skip(rejectedBefore).ToArray(), parse.GetValue(verbose));
                }
                catch (OperationCanceledException)
                {
                    Console.Error.WriteLine($"{bankFolder}: stopped; {bank.Count - before} instances added and kept. Run the same command again to continue.");
                    return ExitCodes.Canceled;
                }

                if (parse.GetValue(stats))
                {
                    WriteTable(BankStatistics.Compute(bank));
                }

                return 0;
            }).ConfigureAwait(false);
        });
        return command;
    }

    private static Command CreateStats()
    {
        var folder = new Argument<DirectoryInfo>("bank") { Description = "The bank folder." };
        var json = new Option<bool>("--json") { Description = "Write the statistics as JSON to standard output." };
        var command = new Command("stats", "Per-category instance counts and sizes of an instance bank.") { folder, json };
        command.SetAction(async (parse, _) => await Run(() =>
        {
            using var bank = InstanceBank.Open(parse.GetValue(folder)!.FullName);
            BankStatistics statistics = BankStatistics.Compute(bank);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(statistics, StatisticsJson));
            }
            else
            {
                WriteTable(statistics);
            }

            return Task.FromResult(0);
        }).ConfigureAwait(false));
        return command;
    }

    private static readonly JsonSerializerOptions StatisticsJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    private static string DefaultImagesFolder(string json)
    {
        string folder = Path.GetDirectoryName(json) ?? ".";
        string images = Path.Combine(folder, "images");
        return Directory.Exists(images) ? images : folder;
    }

    /// <summary>
    /// Runs a command body. Failures are not handled here: <see cref="CliApp.RunAsync"/> turns every exception into
    /// one <c>error:</c> line and its exit code, for all commands alike.
    /// </summary>
    internal static Task<int> Run(Func<Task<int>> body) => body();

    private static Command CreateVerify()
    {
        var folder = new Argument<DirectoryInfo>("bank") { Description = "The bank folder." };
        var command = new Command("verify", "Check every cut-out of an instance bank against its manifest (exists, SHA-256, size); exit 1 when any differs.") { folder };
        command.SetAction((parse, cancellationToken) =>
        {
            using var bank = InstanceBank.Open(parse.GetValue(folder)!.FullName);
            IReadOnlyList<BankProblem> problems = bank.Verify(cancellationToken: cancellationToken);
            foreach (BankProblem problem in problems)
            {
                Console.Error.WriteLine($"error: {problem}");
            }

            Console.Error.WriteLine(problems.Count == 0
                ? $"{bank.Folder}: all {bank.Count} cut-outs match the manifest"
                : $"{bank.Folder}: {problems.Count} of {bank.Count} cut-outs do not match the manifest");
            return Task.FromResult(problems.Count == 0 ? ExitCodes.Success : ExitCodes.Failure);
        });
        return command;
    }

    /// <summary>
    /// The ids of <c>--category</c> values: a category's name (compared as <see cref="CategoryMapping.NormalizeName"/>
    /// does, as bank run and bank extract match names), or a whole number that is one of the dataset's ids.
    /// </summary>
    /// <exception cref="InvalidInputException">A value is neither, naming it and the dataset's categories.</exception>
    internal static HashSet<int> CategoryIdsOf(IEnumerable<string> values, CocoDataset coco, string datasetName)
    {
        var ids = new HashSet<int>();
        var unknown = new List<string>();
        foreach (string value in values)
        {
            string key = CategoryMapping.NormalizeName(value);
            CocoCategory? named = coco.Categories.FirstOrDefault(c => CategoryMapping.NormalizeName(c.Name) == key);
            if (named is not null)
            {
                ids.Add(named.Id);
            }
            else if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int id) && coco.TryGetCategory(id, out _))
            {
                ids.Add(id);
            }
            else
            {
                unknown.Add(value);
            }
        }

        return unknown.Count == 0 ? ids : throw new InvalidInputException("--category",
            $"not a category of {datasetName}: {string.Join(", ", unknown)} (its categories: {string.Join(", ", coco.Categories.Select(c => c.Name))})");
    }

    internal static void WriteTable(BankStatistics s)
    {
        var console = AnsiConsole.Console;
        var table = new Table().Title($"{Markup.Escape(s.Folder)}: {s.Instances} instances, {s.Categories.Count} categories, {s.Rejected} rejected sources")
            .AddColumn("id", c => c.RightAligned()).AddColumn("category").AddColumn("instances", c => c.RightAligned())
            .AddColumn("median w x h", c => c.RightAligned()).AddColumn("min side", c => c.RightAligned()).AddColumn("max side", c => c.RightAligned())
            .AddColumn("mean CLIP", c => c.RightAligned());
        foreach (BankCategoryStatistics c in s.Categories)
        {
            table.AddRow(
                c.Id.ToString(CultureInfo.InvariantCulture), Markup.Escape(c.Name), c.Instances.ToString(CultureInfo.InvariantCulture),
                $"{c.MedianWidth} x {c.MedianHeight}", c.MinSide.ToString(CultureInfo.InvariantCulture), c.MaxSide.ToString(CultureInfo.InvariantCulture),
                c.MeanClipScore is double score ? score.ToString("F2", CultureInfo.InvariantCulture) : "-");
        }

        console.Write(table);
        console.WriteLine($"wins per extractor: {ReportText.JoinOrNone(s.Extractors.Select(p => $"{p.Key} {p.Value}"))}; PNGs {s.Bytes / 1024.0 / 1024.0:F1} MiB");
        if (s.RunnersUp.Count > 0)
        {
            // Only when several extractors competed: how often each one's mask was scored but lost.
            console.WriteLine($"runner-up: {string.Join(", ", s.RunnersUp.Select(p => $"{p.Key} {p.Value}"))}");
        }

        foreach (var (kind, count) in s.RejectionReasons)
        {
            console.WriteLine($"rejected {count}: {kind}");
        }
    }
}
