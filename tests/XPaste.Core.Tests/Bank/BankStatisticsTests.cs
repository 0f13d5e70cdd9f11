using XPaste.Abstractions;
using XPaste.Bank;
using static TorchSharp.torch;

namespace XPaste.Tests.Bank;

public sealed class BankStatisticsTests
{
    [Fact]
    public void Statistics_count_sizes_scores_and_extractors_per_category()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        var cat = new CategoryInfo(3, "cat");
        var dog = new CategoryInfo(7, "dog");
        string folder = temp.File("bank");
        using (var bank = InstanceBank.Create(folder))
        {
            bank.Add(InstanceBankTests.RandomRgba(1, 4, 10), cat, "s/1", "u2net", 20f);
            bank.Add(InstanceBankTests.RandomRgba(2, 6, 2), cat, "s/2", "plain", 23f);
            bank.Add(InstanceBankTests.RandomRgba(3, 8, 6), cat, "s/3", "u2net");
            bank.Add(InstanceBankTests.RandomRgba(4, 5, 5), dog, "s/4", "u2net");
            bank.Reject(new BankRejection("s/5", "cat", RejectionKind.EmptyMask));
        }

        using var reader = InstanceBank.Open(folder);
        BankStatistics s = BankStatistics.Compute(reader);

        Assert.Equal(reader.Folder, s.Folder);
        Assert.Equal((4, 1), (s.Instances, s.Rejected));
        Assert.Equal(new Dictionary<string, int> { ["empty_mask"] = 1 }, s.RejectionReasons);
        Assert.Equal(new Dictionary<string, int> { ["plain"] = 1, ["u2net"] = 3 }, s.Extractors);
        long bytes = Directory.EnumerateFiles(Path.Combine(folder, InstanceBank.ImagesFolderName), "*.png", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.Equal(bytes, s.Bytes);
        Assert.Equal(
            [
                // widths 10, 2, 6 -> upper median 6; heights 4, 6, 8 -> 6; smallest side 2, largest 10; mean of 20 and 23.
                new BankCategoryStatistics(3, "cat", 3, 6, 6, 2, 10, 21.5),
                new BankCategoryStatistics(7, "dog", 1, 5, 5, 5, 5, null),
            ],
            s.Categories);
    }
}
