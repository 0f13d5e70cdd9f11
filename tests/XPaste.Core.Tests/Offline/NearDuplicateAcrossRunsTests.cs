using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Extraction;
using XPaste.Imaging;
using XPaste.Offline;
using XPaste.Sources;
using static TorchSharp.torch;

namespace XPaste.Tests.Offline;

/// <summary>Near-duplicate removal compares new images with those earlier runs of the source put through the bank.</summary>
public sealed class NearDuplicateAcrossRunsTests : IDisposable
{
    private static readonly CategoryInfo Cup = new(1, "cup");

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private void Write(string name, long seed)
    {
        using var fake = new FakeTextToImageGenerator();
        using Tensor images = fake.Generate("a cup", 1, seed);
        ImageIO.SavePng(images[0], _temp.File("images", "cup", name));
    }

    private async Task<OfflineResult> RunAsync(string bankName, int? distance)
    {
        FolderInstanceSource source = FolderInstanceSource.FromCategoryFolder(_temp.File("images", "cup"), Cup);
        using InstanceBank bank = InstanceBank.OpenOrCreate(_temp.File(bankName));
        return await new OfflinePipeline([new PlainBackgroundExtractor()], options: new OfflinePipelineOptions { NearDuplicateDistance = distance }).RunAsync(source, bank);
    }

    [Fact]
    public Task A_copy_of_an_image_an_earlier_run_kept_is_rejected() => TensorThread.Run(async () =>
    {
        Directory.CreateDirectory(_temp.File("images", "cup"));
        Write("a.png", 1);
        Write("b.png", 2);
        OfflineResult first = await RunAsync("bank", 4);
        OfflineResult control = await RunAsync("control", null);
        Assert.Equal(2, first.Added);
        Assert.Equal(2, control.Added);

        // A later run of the same folder with a copy of a.png and a new picture.
        File.Copy(_temp.File("images", "cup", "a.png"), _temp.File("images", "cup", "c.png"));
        Write("d.png", 3);
        OfflineResult second = await RunAsync("bank", 4);
        OfflineResult controlSecond = await RunAsync("control", null);

        Assert.Equal(2, second.Skipped);
        Assert.Equal(1, second.Added);
        Assert.Equal(new Dictionary<string, int> { ["near_duplicate"] = 1 }, second.RejectedByKind);
        using (InstanceBankReader reader = InstanceBank.Open(_temp.File("bank")))
        {
            BankRejection rejection = Assert.Single(reader.Rejections);
            Assert.EndsWith("/c.png", rejection.Source, StringComparison.Ordinal);
            Assert.Equal("near duplicate (hash distance 0 <= 4)", rejection.Text);
        }

        // Without the option the copy is kept, as before.
        Assert.Equal(2, controlSecond.Added);
    });
}
