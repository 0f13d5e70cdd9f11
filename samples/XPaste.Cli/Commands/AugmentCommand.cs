using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using XPaste.Augment;
using XPaste.Bank;
using XPaste.Coco;
using XPaste.Imaging;
using XPaste.Sources;
using static TorchSharp.torch;

namespace XPaste.Cli.Commands;

/// <summary>
/// <c>xpaste augment --dataset D.json --images DIR --bank BANK --out OUT [--policy xpaste|simple|both] [--seed S]
/// [--count N] [--size 640]</c>: writes N augmented images, <c>OUT/annotations.json</c> (COCO, RLE masks,
/// <c>is_pasted</c> per annotation), <c>OUT/plans.jsonl</c> (one replayable plan per image) and <c>OUT/preview.png</c>.
/// </summary>
internal static class AugmentCommand
{
    public static Command Create()
    {
        var dataset = new Option<FileInfo>("--dataset") { Description = "COCO or LVIS instance JSON: the destination images (and Simple Copy-Paste's sources).", Required = true };
        var images = new Option<DirectoryInfo?>("--images") { Description = "The dataset's image folder (default: 'images' beside the JSON)." };
        var bank = new Option<DirectoryInfo?>("--bank") { Description = "The instance bank to paste from (needed by the xpaste and both policies)." };
        var buildBank = new Option<bool>("--build-bank") { Description = "If the bank does not exist, build it first from the dataset's own annotated objects." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder.", Required = true };
        var policy = new Option<string>("--policy") { Description = "xpaste, simple or both.", DefaultValueFactory = _ => "xpaste" };
        policy.AcceptOnlyFromAmong("xpaste", "simple", "both");
        var seed = new Option<long>("--seed") { Description = "Seed: the same seed and inputs give byte-identical outputs.", DefaultValueFactory = _ => 0 };
        var count = new Option<int>("--count") { Description = "How many augmented images to write.", DefaultValueFactory = _ => 16 };
        var size = new Option<int>("--size") { Description = "Output side in pixels (large scale jitter crops or pads to it).", DefaultValueFactory = _ => 640 };
        var batch = new Option<int>("--batch") { Description = "Images per batch.", DefaultValueFactory = _ => 8 };
        var format = new Option<string>("--format") { Description = "Image format: jpg or png.", DefaultValueFactory = _ => "jpg" };
        format.AcceptOnlyFromAmong("jpg", "png");
        var blend = new Option<string>("--blend") { Description = "hard (reference), alpha or feather.", DefaultValueFactory = _ => "hard" };
        blend.AcceptOnlyFromAmong("hard", "alpha", "feather");
        var occlusion = new Option<string>("--occlusion") { Description = "reference (box moved <= 10 px or > 300 px left) or visible (>= 25% of the area left).", DefaultValueFactory = _ => "reference" };
        occlusion.AcceptOnlyFromAmong("reference", "visible");
        var device = new Option<string>("--device") { Description = "TorchSharp device: cpu, cuda, cuda:N.", DefaultValueFactory = _ => "cpu" };
        var command = new Command("augment", "Paste instances onto a dataset's images and write the augmented images as a COCO dataset.")
        {
            dataset, images, bank, buildBank, output, policy, seed, count, size, batch, format, blend, occlusion, device,
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
            parse.GetValue(format)!,
            parse.GetValue(blend)!,
            parse.GetValue(occlusion)!,
            parse.GetValue(device)!), cancellationToken));
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
        string Blend,
        string Occlusion,
        string Device);

    private static async Task<int> RunAsync(Settings s, CancellationToken cancellationToken)
    {
        if (s.Count < 1)
        {
            Console.Error.WriteLine($"--count must be at least 1, got {s.Count}");
            return 1;
        }

        try
        {
            return await ConsoleProgress.RunAsync("augment", (progress, ct) => AugmentAsync(s, progress, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidInputException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 1;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            Console.Error.WriteLine($"invalid settings: {ex.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
    }

    private static async Task<int> AugmentAsync(Settings s, IProgress<OperationProgress> progress, CancellationToken cancellationToken)
    {
        string datasetPath = s.Dataset.ToString();
        string imagesFolder = s.Images?.FullName ?? Path.Combine(s.Dataset.DirectoryName ?? ".", "images");
        CocoDataset coco = await CocoDataset.LoadAsync(datasetPath, cancellationToken: cancellationToken).ConfigureAwait(false);
        var destinations = new CocoImageSource(coco, imagesFolder);
        if (destinations.Images.Count == 0)
        {
            throw new InvalidInputException(datasetPath, "has no images");
        }

        PastePolicyKind kind = s.Policy switch { "simple" => PastePolicyKind.SimpleCopyPaste, "both" => PastePolicyKind.Both, _ => PastePolicyKind.XPaste };
        InstanceBank? instanceBank = null;
        InstanceBankPool? pool = null;
        try
        {
            if (kind != PastePolicyKind.SimpleCopyPaste)
            {
                if (s.Bank is null)
                {
                    Console.Error.WriteLine($"--bank is needed by the {s.Policy} policy");
                    return 1;
                }

                instanceBank = await OpenBankAsync(s, coco, datasetPath, imagesFolder, progress, cancellationToken).ConfigureAwait(false);
                if (instanceBank is null)
                {
                    return 1;
                }

                pool = new InstanceBankPool(instanceBank);
                if (pool.Instances.Count == 0)
                {
                    throw new InvalidInputException(instanceBank.Folder, "the bank has no instances to paste");
                }
            }

            using ILoggerFactory loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
            XPastePipelineBuilder builder = XPastePipeline.CreateBuilder()
                .UseDataset(destinations)
                .UseSizeStatistics(CategorySizeStatistics.Compute(coco))
                .UseLogging(loggers)
                .Configure(o =>
                {
                    o.Policy = kind;
                    o.Seed = s.Seed;
                    o.BatchSize = s.Batch;
                    o.Device = s.Device;
                    o.Jitter.OutputWidth = s.Size;
                    o.Jitter.OutputHeight = s.Size;
                    o.Kernel.Blending = s.Blend switch { "alpha" => BlendMode.Alpha, "feather" => BlendMode.Feather, _ => BlendMode.Hard };
                    o.Kernel.Occlusion = s.Occlusion == "visible" ? OcclusionRule.VisibleFraction : OcclusionRule.Reference;
                });
            if (pool is not null)
            {
                builder.UseInstancePool(pool);
            }

            XPasteAugmenter augmenter = builder.Build();
            var writer = new CocoPasteWriter(s.Output.FullName, coco.Categories, new CocoPasteWriterOptions
            {
                Format = s.Format == "png" ? AugmentedImageFormat.Png : AugmentedImageFormat.Jpeg,
            });

            // Sample i is position i % n of epoch i / n: the same samples the online reader makes.
            int n = destinations.Images.Count;
            progress.Report(new OperationProgress("augment", 0, s.Count, "images"));
            for (int start = 0; start < s.Count; start += s.Batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int size = Math.Min(s.Batch, s.Count - start);
                var indices = new int[size];
                for (int k = 0; k < size; k++)
                {
                    long sample = start + k;
                    indices[k] = augmenter.EpochOrder((int)(sample / n))[(int)(sample % n)];
                }

                using var scope = NewDisposeScope();
                using AugmentedBatch augmented = augmenter.Augment(indices, start);
                writer.Add(augmented);
                if (start == 0)
                {
                    ImageIO.SavePng(PreviewMosaic.Draw(augmented, columns: 4, tileSize: 320, maxImages: 16), Path.Combine(s.Output.FullName, "preview.png"));
                }

                progress.Report(new OperationProgress("augment", start + size, s.Count, "images"));
            }

            writer.Save();
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {writer.ImageCount} images and {writer.AnnotationCount} annotations to {writer.OutputFolder} (annotations.json, plans.jsonl, preview.png)"));
            return 0;
        }
        finally
        {
            pool?.Dispose();
            instanceBank?.Dispose();
        }
    }

    private static async Task<InstanceBank?> OpenBankAsync(Settings s, CocoDataset coco, string datasetPath, string imagesFolder, IProgress<OperationProgress> progress, CancellationToken cancellationToken)
    {
        string folder = s.Bank!.FullName;
        if (InstanceBank.Exists(folder))
        {
            return InstanceBank.Open(folder);
        }

        if (!s.BuildBank)
        {
            Console.Error.WriteLine($"{folder}: no instance bank here (build one with xpaste bank, or pass --build-bank to cut the dataset's objects into it)");
            return null;
        }

        // Cut the dataset's own annotated objects into a new bank, then reopen it read-only.
        using (InstanceBank created = InstanceBank.Create(folder))
        {
            var source = new DatasetInstanceSource(coco, imagesFolder);
            BankBuildResult result = await new BankBuilder(created).AddAsync(source, progress, cancellationToken).ConfigureAwait(false);
            created.Flush();
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"built {folder} from {datasetPath}: {result.Added} instances ({result.Rejected} rejected)"));
        }

        return InstanceBank.Open(folder);
    }
}
