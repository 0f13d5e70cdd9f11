using System.CommandLine;
using System.Runtime.CompilerServices;
using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Clip;
using XPaste.Extraction;
using XPaste.Imaging;
using XPaste.Sources;
using static TorchSharp.torch;

namespace XPaste.Cli.Commands;

/// <summary>
/// <c>xpaste bank extract --images DIR [--category NAME] --out BANK [--extractor u2net|u2netp|plain ...] [--weights PATH]</c>:
/// segments generated or crawled images (one folder of one category, or a <c>{root}/{category}/</c> tree), cuts the
/// objects out as the reference does and adds them to an instance bank. Batched, with a progress bar; rerun the same
/// command to continue an interrupted run.
/// </summary>
internal static class BankExtractCommand
{
    public static Command Create()
    {
        var images = new Option<DirectoryInfo>("--images") { Description = "The images: a folder of one category's images (with --category), or a folder with one sub-folder per category.", Required = true };
        var category = new Option<string?>("--category") { Description = "The category NAME of a single folder of images; without it --images is a {root}/{category}/ tree and the categories are numbered 1, 2, ... by folder name." };
        var categoryId = new Option<int>("--category-id") { Description = "The id recorded for --category.", DefaultValueFactory = _ => 1 }.AtLeast(0);
        var output = new Option<DirectoryInfo>("--out") { Description = "The bank folder; created if missing, resumed if it holds a bank.", Required = true }.NotAFile();
        var extractors = new Option<string[]>("--extractor")
        {
            Description = "Extractors in order of preference: u2net, u2netp (need --weights) or plain (no weights). Repeat for several; without a zero-shot filter the first whose mask passes the area test wins. Default: u2net with --weights, else plain.",
            AllowMultipleArgumentsPerToken = true,
        };
        extractors.AcceptOnlyFromAmong("u2net", "u2netp", "plain");
        var weights = new Option<FileInfo?>("--weights") { Description = "U^2-Net checkpoint: the published u2net.pth / u2netp.pth or a .safetensors with the same keys." };
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
            images, category, categoryId, output, extractors, weights, batch, inputSize, minArea, maxArea, clip, minClip, tolerance, device, verbose,
        };
        command.SetAction((parse, cancellationToken) => BankCommand.Run(() => RunAsync(
            parse.GetValue(images)!, parse.GetValue(category), parse.GetValue(categoryId), parse.GetValue(output)!,
            parse.GetValue(extractors) ?? [], parse.GetValue(weights), parse.GetValue(batch), parse.GetValue(inputSize),
            parse.GetValue(minArea), parse.GetValue(maxArea),
            new ClipChoice(parse.GetValue(clip), parse.GetValue(minClip), parse.GetValue(tolerance)),
            parse.GetValue(device)!, parse.GetValue(verbose), cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(DirectoryInfo imageFolder, string? categoryName, int categoryId, DirectoryInfo bankFolder,
        string[] extractorNames, FileInfo? weights, int batchSize, int inputSize, double minArea, double maxArea, ClipChoice clip,
        string deviceName, bool verbose, CancellationToken cancellationToken)
    {
        if (minArea > maxArea)
        {
            throw new ArgumentException($"--min-area {minArea} is above --max-area {maxArea}: every mask would be rejected");
        }

        Device device = DeviceChoice.Resolve(deviceName);
        if (extractorNames.Length == 0)
        {
            extractorNames = weights is null ? ["plain"] : ["u2net"];
        }

        IResumableInstanceSource source = categoryName is null
            ? FolderInstanceSource.FromFolderNames(imageFolder.FullName)
            : new SingleFolderSource(imageFolder.FullName, new CategoryInfo(categoryId, categoryName));
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

            foreach (string name in extractorNames.Distinct(StringComparer.Ordinal))
            {
                extractors.Add(CreateExtractor(name, weights, inputSize, batchSize, device));
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

    private static IInstanceExtractor CreateExtractor(string name, FileInfo? weights, int inputSize, int batchSize, Device device)
    {
        if (name == "plain")
        {
            return new PlainBackgroundExtractor();
        }

        if (weights is null)
        {
            throw new InvalidInputException("--weights", $"the {name} extractor needs a checkpoint ({name}.pth from the U^2-Net release, or a .safetensors with its keys)");
        }

        return U2NetExtractor.FromPretrained(weights.FullName, small: name == "u2netp", device,
            new U2NetExtractorOptions { InputSize = inputSize, BatchSize = batchSize });
    }

    /// <summary>
    /// One folder of one category's images. Ids and the source name follow <see cref="FolderInstanceSource"/> over the
    /// parent folder (<c>folder:{parent}</c>, <c>{folder}/{file}</c>), so both layouts resume each other.
    /// </summary>
    private sealed class SingleFolderSource : IResumableInstanceSource
    {
        private static readonly HashSet<string> Extensions = new([".png", ".jpg", ".jpeg", ".webp", ".bmp"], StringComparer.OrdinalIgnoreCase);
        private readonly string _folder;
        private readonly CategoryInfo _category;
        private readonly string[] _files;

        public SingleFolderSource(string folder, CategoryInfo category)
        {
            if (!Directory.Exists(folder))
            {
                throw new InvalidInputException(folder, "folder not found");
            }

            _folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
            _category = category;
            _files = Directory.EnumerateFiles(_folder)
                .Select(Path.GetFileName)
                .Where(f => !f!.StartsWith('.') && Extensions.Contains(Path.GetExtension(f)))
                .Order(StringComparer.Ordinal)
                .ToArray()!;
            Name = "folder:" + Path.GetFileName(Path.GetDirectoryName(_folder) ?? _folder);
        }

        public string Name { get; }

        public IReadOnlyList<CategoryInfo> Categories => [_category];

        public int Count => _files.Length;

        public IAsyncEnumerable<SourceImage> ReadAsync(CancellationToken cancellationToken = default) => ReadAsync(_ => false, cancellationToken);

        public async IAsyncEnumerable<SourceImage> ReadAsync(Func<string, bool> skip, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            string prefix = Path.GetFileName(_folder);
            foreach (string file in _files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string id = $"{prefix}/{file}";
                if (skip(id))
                {
                    continue;
                }

                string path = Path.Combine(_folder, file);
                byte[] bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
                yield return new SourceImage(id, _category, ImageIO.Decode(bytes, path, new ImageLoadOptions { Channels = ImageChannels.Rgb }), null, path);
            }
        }
    }
}
