using System.CommandLine;
using System.Runtime.CompilerServices;
using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Clip;
using XPaste.Coco;
using XPaste.Extraction;
using XPaste.Imaging;
using XPaste.Sources;
using static TorchSharp.torch;

namespace XPaste.Cli.Commands;

/// <summary>
/// <c>xpaste bank extract --images DIR [--category NAME] --out BANK [--extractor u2net,clipseg,plain] [--weights PATH] [--clipseg-model MODEL]</c>:
/// segments generated or crawled images (one folder of one category, or a <c>{root}/{category}/</c> tree) with every
/// listed extractor, keeps the mask CLIP scores best, cuts the objects out as the reference does and adds them to an
/// instance bank (which records the winner and the runners-up' scores). Batched, with a progress bar; rerun the same
/// command to continue an interrupted run.
/// </summary>
internal static class BankExtractCommand
{
    /// <summary>The dataset's category (id and name) for a --category name, matched as <see cref="CategoryMapping"/> does.</summary>
    private static CategoryInfo FromDataset(string name, IReadOnlyList<CocoCategory> dataset, string input, string datasetName)
    {
        CategoryMapping mapping = CategoryMapping.Create([new CategoryInfo(1, name)], input, dataset, datasetName);
        int id = mapping.Map(1);
        return new CategoryInfo(id, dataset.First(c => c.Id == id).Name);
    }

    public static Command Create()
    {
        var images = new Option<DirectoryInfo>("--images") { Description = "The images: a folder of one category's images (with --category), or a folder with one sub-folder per category.", Required = true };
        var category = new Option<string?>("--category") { Description = "The category NAME of a single folder of images; without it --images is a {root}/{category}/ tree and the categories are numbered 1, 2, ... by folder name (with --categories: the ids of the categories of that name in the dataset)." };
        var categories = new Option<FileInfo?>("--categories") { Description = "A COCO/LVIS JSON whose categories give the ids: folders (or --category) are matched to its category names (synonyms too); names it lacks are refused. Use the dataset you will augment." };
        var categoryId = new Option<int>("--category-id") { Description = "The id recorded for --category (without --categories).", DefaultValueFactory = _ => 1 }.AtLeast(0);
        var output = new Option<DirectoryInfo>("--out") { Description = "The bank folder; created if missing, resumed if it holds a bank.", Required = true }.NotAFile();
        var extractors = new Option<string[]>("--extractor")
        {
            Description = "Extractors, comma-separated or repeated, in order of preference: u2net or u2netp (need --weights), clipseg (needs --clipseg-model), plain (no weights). Every one runs on each image; with --clip the best-scoring mask wins, without it the first whose mask passes the area test. Default: u2net with --weights, else plain.",
            AllowMultipleArgumentsPerToken = true,
        };
        var weights = new Option<FileInfo?>("--weights") { Description = "U^2-Net checkpoint for u2net/u2netp: the published u2net.pth / u2netp.pth or a .safetensors with the same keys." };
        var clipsegModel = new Option<string?>("--clipseg-model") { Description = "CLIPSeg model folder or Hub repository id for clipseg (X-Paste's weights: CIDAS/clipseg-rd64; also CIDAS/clipseg-rd64-refined)." };
        var clipsegPrompt = new Option<string>("--clipseg-prompt") { Description = "CLIPSeg's prompt; {name} is the category name with underscores as spaces.", DefaultValueFactory = _ => ClipSegExtractorOptions.Default.PromptTemplate };
        var batch = new Option<int>("--batch-size") { Description = "Images segmented together.", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var inputSize = new Option<int>("--input-size") { Description = $"U^2-Net input side, at least {OptionRules.MinimumImageSide} (X-Paste: 256; the U^2-Net demo: 320).", DefaultValueFactory = _ => 256 }.AtLeast(OptionRules.MinimumImageSide);
        var minArea = new Option<double>("--min-area") { Description = "Reject masks covering less of the image than this fraction (0 to 1).", DefaultValueFactory = _ => 0.05 }.Between(0.0, 1.0);
        var maxArea = new Option<double>("--max-area") { Description = "Reject masks covering more of the image than this fraction (0 to 1).", DefaultValueFactory = _ => 0.95 }.Between(0.0, 1.0);
        var clip = new Option<string?>("--clip") { Description = "CLIP model folder or Hub repository id (X-Paste: openai/clip-vit-large-patch14). With it the best-scoring extractor's mask wins and each category keeps the images that pass the CLIP rule; without it the extractors' order decides and nothing is filtered." };
        var minClip = new Option<float>("--min-clip") { Description = "CLIP rule: keep a score >= min(this, best score of the category - tolerance).", DefaultValueFactory = _ => 21f }.Finite();
        var tolerance = new Option<float>("--tolerance") { Description = "CLIP rule tolerance below the category's best score.", DefaultValueFactory = _ => 1f }.AtLeast(0f).Finite();
        var device = DeviceChoice.CreateOption();
        var verbose = new Option<bool>("--verbose") { Description = "List every rejected image with the reason." };

        var command = new Command("extract", "Segment generated images, cut the objects out and add them to an instance bank (resumable: rerun to continue).")
        {
            images, category, categories, categoryId, output, extractors, weights, clipsegModel, clipsegPrompt, batch, inputSize, minArea, maxArea, clip, minClip, tolerance, device, verbose,
        };
        command.SetAction((parse, cancellationToken) => BankCommand.Run(() => RunAsync(
            parse.GetValue(images)!, parse.GetValue(category), parse.GetValue(categories), parse.GetValue(categoryId), parse.GetValue(output)!,
            ParseExtractors(parse.GetValue(extractors)),
            new ExtractorChoice(parse.GetValue(weights), parse.GetValue(clipsegModel), parse.GetValue(clipsegPrompt)!, parse.GetValue(inputSize)),
            parse.GetValue(batch), parse.GetValue(minArea), parse.GetValue(maxArea),
            new ClipChoice(parse.GetValue(clip), parse.GetValue(minClip), parse.GetValue(tolerance)),
            parse.GetValue(device)!, parse.GetValue(verbose), cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(DirectoryInfo imageFolder, string? categoryName, FileInfo? categoriesFile, int categoryId, DirectoryInfo bankFolder,
        string[] extractorNames, ExtractorChoice choice, int batchSize, double minArea, double maxArea, ClipChoice clip,
        string deviceName, bool verbose, CancellationToken cancellationToken)
    {
        if (minArea > maxArea)
        {
            throw new ArgumentException($"--min-area {minArea} is above --max-area {maxArea}: every mask would be rejected");
        }

        Device device = DeviceChoice.Resolve(deviceName);
        if (extractorNames.Length == 0)
        {
            extractorNames = choice.Weights is null ? ["plain"] : ["u2net"];
        }

        // With --categories, ids (and names) come from that dataset by name, so the bank pastes into it with the right labels.
        IReadOnlyList<CocoCategory>? known = categoriesFile is null ? null
            : (await CocoDataset.LoadAsync(categoriesFile.ToString(), cancellationToken: cancellationToken).ConfigureAwait(false)).Categories;
        CategoryInfo single = categoryName is null || known is null
            ? new CategoryInfo(categoryId, categoryName ?? "")
            : FromDataset(categoryName, known, imageFolder.ToString(), categoriesFile!.ToString());
        FolderInstanceSource source = categoryName is null
            ? (known is null ? FolderInstanceSource.FromFolderNames(imageFolder.FullName) : FolderInstanceSource.FromDataset(imageFolder.FullName, known, categoriesFile!.ToString()))
            : FolderInstanceSource.FromCategoryFolder(imageFolder.FullName, single);
        var extractors = new List<IInstanceExtractor>();
        ClipZeroShotFilter? filter = null;
        try
        {
            if (clip.Model is not null)
            {
                string folder = await ClipCommand.ResolveModelAsync(clip.Model, cancellationToken).ConfigureAwait(false);
                filter = ClipZeroShotFilter.FromPretrained(folder, device,
                    new ClipZeroShotOptions { MinScore = clip.MinScore, Tolerance = clip.Tolerance, BatchSize = batchSize });
            }

            foreach (string name in extractorNames)
            {
                extractors.Add(await CreateExtractorAsync(name, choice, batchSize, device, cancellationToken).ConfigureAwait(false));
            }

            var options = new BankExtractionOptions
            {
                BatchSize = batchSize,
                Device = device,
                Selection = new InstanceSelectorOptions { PostProcessing = new InstancePostProcessorOptions { MinArea = minArea, MaxArea = maxArea } },
            };
            // Without a zero-shot filter the extractors' order decides and nothing is filtered (see InstanceSelector).
            var stage = new BankExtractionStage(extractors, filter, options);
            string filtering = filter is null ? "no CLIP filter" : $"CLIP filter {clip.Model} (min {clip.MinScore}, tolerance {clip.Tolerance})";
            Console.Error.WriteLine($"{imageFolder}: {source.Count} images in {source.Categories.Count} categories; extractors {string.Join(", ", extractors.Select(e => e.Name))}; {filtering}; on {device.type}");

            // The stage commits each category by itself; a large CommitEvery keeps a category's results in one segment.
            using var bank = InstanceBank.OpenOrCreate(bankFolder.FullName, new BankOptions { CommitEvery = 1 << 20 });
            int before = bank.Count;
            int rejectedBefore = bank.Rejections.Count;
            try
            {
                BankExtractionResult result = await ConsoleProgress.RunAsync("bank extract",
                    (progress, ct) => stage.RunAsync(source, bank, progress, ct), cancellationToken).ConfigureAwait(false);
                ExtractionReport.Write(Console.Error, bankFolder.ToString(), result, bank, bank.Rejections.Skip(rejectedBefore).ToArray(), verbose);
                return 0;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"{bankFolder}: stopped; {bank.Count - before} instances added and kept. Run the same command again to continue.");
                return ExitCodes.Canceled;
            }
        }
        finally
        {
            foreach (IDisposable disposable in extractors.OfType<IDisposable>())
            {
                disposable.Dispose();
            }

            filter?.Dispose();
        }
    }

    /// <summary>The CLIP filter the user asked for, if any.</summary>
    private sealed record ClipChoice(string? Model, float MinScore, float Tolerance);

    /// <summary>Each extractor's own model option.</summary>
    internal sealed record ExtractorChoice(FileInfo? Weights, string? ClipSegModel, string ClipSegPrompt, int U2NetInputSize);

    private static readonly string[] KnownExtractors = ["u2net", "u2netp", "clipseg", "plain"];

    /// <summary>Splits <c>u2net,clipseg plain</c> into names, in order, each once; an unknown name is a usage error.</summary>
    internal static string[] ParseExtractors(string[]? values)
    {
        string[] names = (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal).ToArray();
        string? unknown = names.FirstOrDefault(n => !KnownExtractors.Contains(n, StringComparer.Ordinal));
        if (unknown is not null)
        {
            // A command-line mistake: ArgumentException exits with the usage code (see ExitCodes).
            throw new ArgumentException($"--extractor: unknown extractor '{unknown}' (choose from {string.Join(", ", KnownExtractors)})");
        }

        if (names.Contains("u2net") && names.Contains("u2netp"))
        {
            throw new ArgumentException("--extractor: u2net and u2netp need different checkpoints but share --weights; list one of them");
        }

        return names;
    }

    internal static async Task<IInstanceExtractor> CreateExtractorAsync(string name, ExtractorChoice choice, int batchSize, Device device, CancellationToken cancellationToken)
    {
        switch (name)
        {
            case "plain":
                return new PlainBackgroundExtractor();
            case "clipseg":
                if (choice.ClipSegModel is null)
                {
                    throw new InvalidInputException("--clipseg-model", "the clipseg extractor needs a CLIPSeg model folder or Hub id (X-Paste's: CIDAS/clipseg-rd64)");
                }

                string folder = await ClipCommand.ResolveModelAsync(choice.ClipSegModel, cancellationToken).ConfigureAwait(false);
                return ClipSegExtractor.FromPretrained(folder, device,
                    new ClipSegExtractorOptions { PromptTemplate = choice.ClipSegPrompt, BatchSize = batchSize });
            default:
                if (choice.Weights is null)
                {
                    throw new InvalidInputException("--weights", $"the {name} extractor needs a checkpoint ({name}.pth from the U^2-Net release, or a .safetensors with its keys)");
                }

                return U2NetExtractor.FromPretrained(choice.Weights.FullName, small: name == "u2netp", device,
                    new U2NetExtractorOptions { InputSize = choice.U2NetInputSize, BatchSize = batchSize });
        }
    }
}
