using XPaste.Abstractions;
using XPaste.Augment;
using XPaste.Bank;
using XPaste.Coco;
using static TorchSharp.torch;

namespace XPaste.Tests.Pipeline;

/// <summary>The builder labels a bank's instances with the destination dataset's ids by name, as the CLI does.</summary>
public sealed class BuilderCategoryMappingTests
{
    private static InstanceBankReader Bank(TempFolder temp, params CategoryInfo[] categories)
    {
        string folder = temp.File("bank");
        using (var scope = NewDisposeScope())
        using (InstanceBank bank = InstanceBank.Create(folder))
        {
            for (int i = 0; i < categories.Length; i++)
            {
                Tensor rgba = full(new long[] { 4, 6 + i, 5 }, (byte)(40 + i), ScalarType.Byte);
                bank.Add(rgba, categories[i], $"s/{i}", "plain");
            }
        }

        return InstanceBank.Open(folder);
    }

    [Fact]
    public void Bank_ids_become_the_datasets_ids_by_name()
    {
        using var temp = new TempFolder();
        // The bank numbered horse 7 and coin 9; the dataset has coin 1 and horse 2.
        using InstanceBankReader bank = Bank(temp, new CategoryInfo(7, "horse"), new CategoryInfo(9, "Coin"));
        using var pool = new InstanceBankPool(bank);
        (IPasteInstancePool mapped, _) = CategoryMappedPool.ForDataset(pool, bank, BundledData.Source().Dataset);
        Assert.Equal([2, 1], mapped.Instances.Select(i => i.CategoryId));

        XPasteAugmenter augmenter = XPastePipeline.CreateBuilder().UseInstancePool(pool).UseDataset(BundledData.Source()).Build();
        Assert.Equal([1, 2], augmenter.Pool!.Categories);
    }

    [Fact]
    public void A_bank_category_the_dataset_lacks_is_refused_by_name()
    {
        using var temp = new TempFolder();
        using InstanceBankReader bank = Bank(temp, new CategoryInfo(1, "coin"), new CategoryInfo(2, "zebra"));
        using var pool = new InstanceBankPool(bank);
        var ex = Assert.Throws<CategoryMismatchException>(() =>
            XPastePipeline.CreateBuilder().UseInstancePool(pool).UseDataset(BundledData.Source()).Build());
        Assert.Contains("zebra", ex.Missing);
        Assert.DoesNotContain("coin", ex.Missing);
    }
}
