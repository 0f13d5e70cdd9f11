using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using XPaste.Augment;
using XPaste.Bank;
using XPaste.Coco;
using XPaste.Offline;
using XPaste.Sources;
using XPaste.Yolo;

namespace XPaste.Cli.Commands;

/// <summary>
/// <c>xpaste augment --dataset D.json|data.yaml --images DIR --bank BANK --out OUT [--policy xpaste|simple|both] [--seed S]
/// [--count N] [--size 640] [--format coco|yolo-detect|yolo-segment] [--overwrite]</c>: writes N augmented images,
/// <c>OUT/annotations.json</c> (COCO, RLE masks, <c>is_pasted</c> per annotation), <c>OUT/plans.jsonl</c> (one
/// replayable plan per image) and <c>OUT/preview.png</c>; with a YOLO format also <c>OUT/labels/</c> and
/// <c>OUT/data.yaml</c>. A YOLO dataset (a <c>.yaml</c> or a folder) is read by <see cref="YoloDataset"/>.
/// The run is an <see cref="AugmentRun"/>: stopped (Ctrl+C, a crash), the same command resumes it after its last
/// committed batch and ends with the files an uninterrupted run writes; run again when complete, it does nothing. Other
/// settings or inputs with the same <c>--out</c> are refused unless <c>--overwrite</c> clears the earlier output.
/// </summary>
internal static class AugmentCommand
{
    public static Command Create()
    {
        var dataset = new Option<FileInfo>("--dataset") { Description = "COCO or LVIS instance JSON, or a YOLO data.yaml (or YOLO dataset folder): the destination images (and Simple Copy-Paste's sources).", Required = true };
        var images = new Option<DirectoryInfo?>("--images") { Description = "A COCO dataset's image folder (default: 'images' beside the JSON); YOLO datasets name their own." };
        var split = new Option<string>("--split") { Description = "The YOLO split to read: train, val or test.", DefaultValueFactory = _ => "train" };
        split.AcceptOnlyFromAmong("train", "val", "test");
        var skipBad = new Option<bool>("--skip-bad-labels") { Description = "Leave out bad label lines (YOLO) or unusable annotations (COCO), listing them, instead of refusing the dataset." };
        var keepBoxes = new Option<bool>("--keep-boxes") { Description = "Box-only objects (YOLO detect lines, COCO annotations without segmentation) keep their boxes unchanged instead of shrinking to the part not covered by pasted objects." };
        var bank = new Option<DirectoryInfo?>("--bank") { Description = "The instance bank to paste from (needed by the xpaste and both policies)." };
        var buildBank = new Option<bool>("--build-bank") { Description = "If the bank does not exist, build it first from the dataset's own annotated objects." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder.", Required = true }.NotAFile();
        var policy = new Option<string>("--policy") { Description = "xpaste, simple or both.", DefaultValueFactory = _ => "xpaste" };
        policy.AcceptOnlyFromAmong("xpaste", "simple", "both");
        var seed = new Option<long>("--seed") { Description = "Seed: the same seed and inputs give byte-identical outputs.", DefaultValueFactory = _ => 0 };
        var count = new Option<int>("--count") { Description = "How many augmented images to write.", DefaultValueFactory = _ => 16 }.AtLeast(1);
        var size = new Option<int>("--size") { Description = $"Output side in pixels, at least {OptionRules.MinimumImageSide} (large scale jitter crops or pads to it).", DefaultValueFactory = _ => 640 }.AtLeast(OptionRules.MinimumImageSide);
        var batch = new Option<int>("--batch") { Description = "Images per batch (1 to 4096).", DefaultValueFactory = _ => 8 }.Between(1, 4096);
        var format = new Option<string>("--format") { Description = "Labels: coco (annotations.json), yolo-detect or yolo-segment (also labels/ and data.yaml for Ultralytics). jpg and png are still read as --image-format.", DefaultValueFactory = _ => "coco" };
        format.AcceptOnlyFromAmong("coco", "yolo-detect", "yolo-segment", "jpg", "png");
        var yoloHoles = new Option<bool>("--yolo-holes") { Description = "With --format yolo-segment: keep holes in the polygons (joined by zero-width bridges) instead of outer contours only." };
        var imageFormat = new Option<string?>("--image-format") { Description = "Image format: jpg (default) or png." };
        imageFormat.AcceptOnlyFromAmong("jpg", "png");
        var blend = new Option<string>("--blend") { Description = "hard (reference), alpha or feather.", DefaultValueFactory = _ => "hard" };
        blend.AcceptOnlyFromAmong("hard", "alpha", "feather");
        var occlusion = new Option<string>("--occlusion") { Description = "reference (box moved <= 10 px or > 300 px left) or visible (>= 25% of the area left).", DefaultValueFactory = _ => "reference" };
        occlusion.AcceptOnlyFromAmong("reference", "visible");
        var device = DeviceChoice.CreateOption();
        var overwrite = new Option<bool>("--overwrite") { Description = "Delete what an earlier run wrote to --out (its images, annotations, plans, preview and progress) and start again, instead of resuming it." };
        var addCategories = new Option<bool>("--add-categories") { Description = "Bank categories the dataset lacks (matched by name, LVIS synonyms too) are added to the output's categories with new ids, instead of refused." };
        var bankSource = new Option<FileInfo?>("--bank-source") { Description = "With --build-bank: the COCO/LVIS JSON whose annotated objects are cut into the new bank (images in the 'images' folder beside it); default: --dataset." };
        var command = new Command("augment", "Paste instances onto a dataset's images and write the augmented images as a COCO dataset.")
        {
            dataset, images, bank, buildBank, output, policy, seed, count, size, batch, format, blend, occlusion, device, overwrite,
            addCategories, bankSource, split, skipBad, keepBoxes, imageFormat, yoloHoles,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(new Settings(
            parse.GetValue(dataset)!,
            parse.GetValue(images),
            parse.GetValue(bank),
            parse.GetValue(buildBank),
            parse.GetValue(output)!,
            parse.GetValue(policy)!,
            parse.GetValue(seed),
            parse.GetValue(count),
            parse.GetValue(size),
            parse.GetValue(batch),
            parse.GetValue(format) is "jpg" or "png" ? "coco" : parse.GetValue(format)!,
            parse.GetValue(imageFormat) ?? (parse.GetValue(format) is "png" ? "png" : "jpg"),
            parse.GetValue(blend)!,
            parse.GetValue(occlusion)!,
            parse.GetValue(device)!,
            parse.GetValue(overwrite),
            parse.GetValue(addCategories),
            parse.GetValue(bankSource),
            parse.GetValue(split)!,
            parse.GetValue(skipBad),
            parse.GetValue(keepBoxes),
            parse.GetValue(yoloHoles)), cancellationToken));
        return command;
    }

    private sealed record Settings(
        FileInfo Dataset,
        DirectoryInfo? Images,
        DirectoryInfo? Bank,
        bool BuildBank,
        DirectoryInfo Output,
        string Policy,
        long Seed,
        int Count,
        int Size,
        int Batch,
        string Format,
        string ImageFormat,
        string Blend,
        string Occlusion,
        string Device,
        bool Overwrite,
        bool AddCategories,
        FileInfo? BankSource,
        string Split,
        bool SkipBadLabels,
        bool KeepBoxes,
        bool YoloHoles);

    /// <summary>The options behind the run's recorded settings, to name them in a refusal.</summary>
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        [AugmentRunSettingNames.Count] = "--count",
        [nameof(XPasteOptions.Seed)] = "--seed",
        [nameof(XPasteOptions.Policy)] = "--policy",
        [AugmentRunSettingNames.PolicyType] = "--policy",
        [nameof(XPasteOptions.BatchSize)] = "--batch",
        [AugmentRunSettingNames.Path(nameof(XPasteOptions.Jitter), nameof(LargeScaleJitterOptions.OutputWidth))] = "--size",
        [AugmentRunSettingNames.Path(nameof(XPasteOptions.Jitter), nameof(LargeScaleJitterOptions.OutputHeight))] = "--size",
        [AugmentRunSettingNames.Path(nameof(XPasteOptions.Kernel), nameof(PasteKernelOptions.Blending))] = "--blend",
        [AugmentRunSettingNames.Path(nameof(XPasteOptions.Kernel), nameof(PasteKernelOptions.Occlusion))] = "--occlusion",
        [nameof(XPasteOptions.Device)] = "--device",
        [AugmentRunSettingNames.WriterPrefix + nameof(CocoPasteWriterOptions.Format)] = "--image-format",
        [AugmentRunSettingNames.WriterPrefix + nameof(CocoPasteWriterOptions.LabelFormat)] = "--format",
        [AugmentRunSettingNames.WriterPrefix + nameof(CocoPasteWriterOptions.KeepBoxOnlyBoxes)] = "--keep-boxes",
        [AugmentRunSettingNames.WriterPrefix + nameof(CocoPasteWriterOptions.YoloKeepHoles)] = "--yolo-holes",
        [AugmentRunSettingNames.Dataset] = "--dataset",
        [AugmentRunSettingNames.SizeStatistics] = "--dataset",
        [AugmentRunSettingNames.Categories] = "--dataset",
        [AugmentRunSettingNames.Pool] = "--bank",
    };

    private static async Task<int> RunAsync(Settings s, CancellationToken cancellationToken)
    {
        var done = new StrongBox<int>();
        try
        {
            return await ConsoleProgress.RunAsync("augment", (progress, ct) => AugmentAsync(s, progress, done, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (AugmentRunConflictException ex)
        {
            // One line, as every other error: what differs, by option, and the two ways out.
            string problem = ex.Differences.Count == 0
                ? CliErrors.WithoutParameterName(ex.Problem)
                : "it holds a run made with other settings: " + string.Join("; ", ex.Differences.Select(change =>
                    Flags.TryGetValue(change.Setting, out string? name) ? $"{change} ({name})" : change.ToString()))
                    + "; use a new --out, or --overwrite to delete that output and start again";
            Console.Error.WriteLine($"error: {ex.Folder}: {problem}");
            return ExitCodes.For(ex);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine(done.Value > 0
                ? $"cancelled: {done.Value} of {s.Count} images are done and kept in {s.Output.FullName}; run the same command again to continue where it stopped"
                : "cancelled");
            return ExitCodes.Canceled;
        }
    }

    private static async Task<int> AugmentAsync(Settings s, IProgress<OperationProgress> progress, StrongBox<int> done, CancellationToken cancellationToken)
    {
        string datasetPath = s.Dataset.ToString();
        DatasetInput input = await DatasetInput.LoadAsync(datasetPath, s.Images?.FullName, s.Split, s.SkipBadLabels, cancellationToken).ConfigureAwait(false);
        string imagesFolder = input.ImagesFolder;
        CocoDataset coco = input.Coco;
        if (!input.IsYolo && !coco.HasAnnotationsKey)
        {
            Console.Error.WriteLine($"{datasetPath}: no annotations key: its images are destinations only (nothing of theirs is copied, and their outputs carry only pasted objects)");
        }

        IAnnotatedImageSource destinations = input.Source;
        if (destinations.Images.Count == 0)
        {
            throw new InvalidInputException(datasetPath, "has no images");
        }

        PastePolicyKind kind = s.Policy switch { "simple" => PastePolicyKind.SimpleCopyPaste, "both" => PastePolicyKind.Both, _ => PastePolicyKind.XPaste };
        InstanceBankReader? instanceBank = null;
        InstanceBankPool? pool = null;
        IPasteInstancePool? pastePool = null;
        IReadOnlyList<CocoCategory> outputCategories = coco.Categories;
        try
        {
            if (kind != PastePolicyKind.SimpleCopyPaste)
            {
                if (s.Bank is null)
                {
                    throw new CliUsageException($"--bank: the {s.Policy} policy pastes from an instance bank; give --bank BANK (or --policy simple)");
                }

                instanceBank = await OpenBankAsync(s, coco, datasetPath, imagesFolder, progress, cancellationToken).ConfigureAwait(false);
                pool = new InstanceBankPool(instanceBank);
                if (pool.Instances.Count == 0)
                {
                    throw new InvalidInputException(instanceBank.Folder, "the bank has no instances to paste");
                }

                // Labels by name, never by number: the bank's ids become the dataset's, and what the dataset lacks is
                // refused (with the list) or, with --add-categories, added to the output's categories.
                (pastePool, CategoryMapping mapping) = MapCategories(pool, instanceBank, coco, s.AddCategories);
                outputCategories = mapping.Categories;
                if (mapping.Added.Count > 0)
                {
                    Console.Error.WriteLine($"added to the output's categories: {string.Join(", ", mapping.Added.Select(c => $"{c.Id} {c.Name}"))}");
                }
            }

            // Warnings, and what the run says about resuming, on standard error with the rest of the tool's messages.
            using ILoggerFactory loggers = LoggerFactory.Create(b => b
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .AddSimpleConsole(o => o.SingleLine = true)
                .SetMinimumLevel(LogLevel.Warning)
                .AddFilter(typeof(AugmentRun).FullName, LogLevel.Information));
            XPastePipelineBuilder builder = XPastePipeline.CreateBuilder()
                .UseDataset(destinations)
                .UseSizeStatistics(CategorySizeStatistics.Compute(coco))
                .UseLogging(loggers)
                .Configure(o =>
                {
                    o.Policy = kind;
                    o.Seed = s.Seed;
                    o.BatchSize = s.Batch;
                    o.Device = DeviceChoice.ResolveName(s.Device);
                    o.Jitter.OutputWidth = s.Size;
                    o.Jitter.OutputHeight = s.Size;
                    o.Kernel.Blending = s.Blend switch { "alpha" => BlendMode.Alpha, "feather" => BlendMode.Feather, _ => BlendMode.Hard };
                    o.Kernel.Occlusion = s.Occlusion == "visible" ? OcclusionRule.VisibleFraction : OcclusionRule.Reference;
                });
            if (pastePool is not null)
            {
                builder.UseInstancePool(pastePool);
            }

            XPasteAugmenter augmenter = builder.Build();
            var run = new AugmentRun(augmenter, outputCategories, s.Output.FullName, new AugmentRunOptions
            {
                Count = s.Count,
                Writer = new CocoPasteWriterOptions
                {
                    Format = s.ImageFormat == "png" ? AugmentedImageFormat.Png : AugmentedImageFormat.Jpeg,
                    LabelFormat = s.Format switch { "yolo-detect" => AugmentLabelFormat.YoloDetect, "yolo-segment" => AugmentLabelFormat.YoloSegment, _ => AugmentLabelFormat.Coco },
                    KeepBoxOnlyBoxes = s.KeepBoxes,
                    YoloKeepHoles = s.YoloHoles,
                },
                Overwrite = s.Overwrite,
                // The dataset file by content (the augmenter records the images' ids and sizes); the image files by folder.
                Inputs = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["--dataset"] = File.Exists(input.IdentityPath)
                        ? await AugmentRunInputs.FileIdentityAsync(input.IdentityPath, cancellationToken).ConfigureAwait(false)
                        : AugmentRunInputs.FolderIdentity(input.IdentityPath),
                    ["--images"] = AugmentRunInputs.FolderIdentity(imagesFolder),
                },
            }, loggers.CreateLogger<AugmentRun>());
            var tracked = new TrackingProgress(progress, done);
            using CancellationTokenRegistration stopping = cancellationToken.Register(() =>
                Console.Error.WriteLine("stopping after the batch in progress..."));
            AugmentRunResult result = run.Run(tracked, cancellationToken);
            if (result.AlreadyComplete)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{result.OutputFolder} already holds this run's complete output ({result.Images} images, {result.Annotations} annotations); nothing to do (--overwrite writes it again)"));
                return 0;
            }

            string resumed = result.BatchesReused > 0
                ? string.Create(CultureInfo.InvariantCulture, $"; resumed: {result.BatchesReused} of {run.BatchCount} batches came from the interrupted run")
                : "";
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {result.Images} images and {result.Annotations} annotations to {result.OutputFolder} (annotations.json, plans.jsonl, preview.png{(s.Format == "coco" ? "" : ", labels/, data.yaml")}){resumed}"));
            return 0;
        }
        finally
        {
            pool?.Dispose();
            instanceBank?.Dispose();
        }
    }

    private static (IPasteInstancePool Pool, CategoryMapping Mapping) MapCategories(IPasteInstancePool pool, InstanceBankReader bank, CocoDataset coco, bool add)
    {
        try
        {
            return CategoryMappedPool.ForDataset(pool, bank, coco,
                new CategoryMappingOptions { Missing = add ? MissingCategoryHandling.Add : MissingCategoryHandling.Refuse });
        }
        catch (CategoryMismatchException ex) when (ex.Missing.Count > 0)
        {
            throw new CategoryMismatchException(ex.Input, ex.Problem + " (--add-categories)", ex.Missing);
        }
    }

    /// <summary>Passes progress on and remembers how many images are done, for the message on cancellation.</summary>
    private sealed class TrackingProgress(IProgress<OperationProgress> inner, StrongBox<int> done) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value)
        {
            if (value.Stage == "augment")
            {
                done.Value = (int)value.Done;
            }

            inner.Report(value);
        }
    }

    private static async Task<InstanceBankReader> OpenBankAsync(Settings s, CocoDataset coco, string datasetPath, string imagesFolder, IProgress<OperationProgress> progress, CancellationToken cancellationToken)
    {
        string folder = s.Bank!.FullName;
        if (InstanceBank.Exists(folder))
        {
            return InstanceBank.Open(folder);
        }

        if (!s.BuildBank)
        {
            throw new InvalidBankException(folder, "no instance bank here (build one with xpaste bank, or pass --build-bank to cut the dataset's objects into it)");
        }

        // Cut the dataset's own annotated objects (or --bank-source's) into a new bank, then reopen it read-only.
        if (s.BankSource is not null)
        {
            datasetPath = s.BankSource.ToString();
            coco = await CocoDataset.LoadAsync(datasetPath, cancellationToken: cancellationToken).ConfigureAwait(false);
            imagesFolder = Path.Combine(s.BankSource.DirectoryName ?? ".", "images");
        }

        using (InstanceBank created = InstanceBank.Create(folder))
        {
            var source = new DatasetInstanceSource(coco, imagesFolder);
            OfflineResult result = await new OfflinePipeline([]).RunAsync(source, created, progress, cancellationToken).ConfigureAwait(false);
            created.Flush();
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"built {folder} from {datasetPath}: {result.Added} instances ({result.Rejected} rejected)"));
        }

        return InstanceBank.Open(folder);
    }
}
