using System.CommandLine;
using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Coco;
using XPaste.Offline;
using XPaste.Sources;

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
        var extraction = new ExtractionArguments();
        var verbose = new Option<bool>("--verbose") { Description = "List every rejected image with the reason." };

        var command = new Command("extract", "Segment generated images, cut the objects out and add them to an instance bank (resumable: rerun to continue).")
        {
            images, category, categories, categoryId, output, verbose,
        };
        extraction.AddTo(command);
        command.SetAction((parse, cancellationToken) => BankCommand.Run(() => RunAsync(
            parse, extraction, parse.GetValue(images)!, parse.GetValue(category), parse.GetValue(categories), parse.GetValue(categoryId), parse.GetValue(output)!,
            parse.GetValue(verbose), cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, ExtractionArguments extraction, DirectoryInfo imageFolder, string? categoryName,
        FileInfo? categoriesFile, int categoryId, DirectoryInfo bankFolder, bool verbose, CancellationToken cancellationToken)
    {
        // With --categories, ids (and names) come from that dataset by name, so the bank pastes into it with the right labels.
        IReadOnlyList<CocoCategory>? known = categoriesFile is null ? null
            : (await CocoDataset.LoadAsync(categoriesFile.ToString(), cancellationToken: cancellationToken).ConfigureAwait(false)).Categories;
        CategoryInfo single = categoryName is null || known is null
            ? new CategoryInfo(categoryId, categoryName ?? "")
            : FromDataset(categoryName, known, imageFolder.ToString(), categoriesFile!.ToString());
        FolderInstanceSource source = categoryName is null
            ? (known is null ? FolderInstanceSource.FromFolderNames(imageFolder.FullName) : FolderInstanceSource.FromDataset(imageFolder.FullName, known, categoriesFile!.ToString()))
            : FolderInstanceSource.FromCategoryFolder(imageFolder.FullName, single);
        using ExtractionSetup setup = await extraction.CreateAsync(parse, cancellationToken).ConfigureAwait(false);
        Console.Error.WriteLine($"{imageFolder}: {source.Count} images in {source.Categories.Count} categories; {setup.Description}");

        // The stage commits each category by itself; a large CommitEvery keeps a category's results in one segment.
        using var bank = InstanceBank.OpenOrCreate(bankFolder.FullName, new BankOptions { CommitEvery = 1 << 20 });
        int before = bank.Count;
        int rejectedBefore = bank.Rejections.Count;
        try
        {
            OfflineResult result = await ConsoleProgress.RunAsync("bank extract",
                (progress, ct) => setup.Pipeline.RunAsync(source, bank, progress, ct), cancellationToken).ConfigureAwait(false);
            ExtractionReport.Write(Console.Error, bankFolder.ToString(), result, bank, bank.Rejections.Skip(rejectedBefore).ToArray(), verbose);
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"{bankFolder}: stopped; {bank.Count - before} instances added and kept. Run the same command again to continue.");
            return ExitCodes.Canceled;
        }
    }
}
