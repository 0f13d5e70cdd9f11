using XPaste.Augment;
using XPaste.Bank;
using XPaste.Coco;
using XPaste.Offline;
using XPaste.Sources;

namespace XPaste.Tests;

/// <summary>The bundled dataset's test copy: coins (18 objects + a crowd) and a horse, and a bank cut from them.</summary>
internal static class BundledData
{
    public static string Annotations => TestFiles.Data("bundled", "instances.json");

    public static string Images => TestFiles.Data("bundled", "images");

    /// <summary>Only images 1 and 2 have their files in the test copy.</summary>
    public static CocoImageSource Source(CocoImageSourceOptions? options = null) =>
        new(CocoDataset.Load(Annotations), Images, new CocoImageSourceOptions
        {
            SkipCrowd = options?.SkipCrowd ?? true,
            ImageIds = new HashSet<long> { 1, 2 },
        });

    /// <summary>Builds a bank of every non-crowd object into <paramref name="folder"/>.</summary>
    public static async Task<InstanceBank> BuildBankAsync(string folder)
    {
        InstanceBank bank = InstanceBank.Create(folder);
        DatasetInstanceSource source = await DatasetInstanceSource.LoadAsync(Annotations, Images);
        await new OfflinePipeline([]).RunAsync(source, bank);
        bank.Flush();
        return bank;
    }
}
