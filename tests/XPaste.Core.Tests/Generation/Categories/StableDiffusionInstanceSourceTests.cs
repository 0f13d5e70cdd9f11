using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Extraction;
using XPaste.Generation.Categories;
using XPaste.Offline;
using XPaste.Sources;

namespace XPaste.Tests.Generation.Categories;

public sealed class StableDiffusionInstanceSourceTests : IDisposable
{
    private static readonly CategoryInfo[] Categories = [new(4, "kiwi"), new(2, "lamp")];
    private static readonly CategoryGenerationOptions Options = new() { PerCategory = 4, BatchSize = 3, Seed = 9 };
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string[] Cutouts(string folder)
    {
        using InstanceBankReader bank = InstanceBank.Open(folder);
        return [.. bank.Instances.Select(i => $"{i.CategoryName} {i.Extractor} {i.ContentHash}").Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task In_process_generation_gives_the_same_cutouts_as_generating_to_a_folder_first()
    {
        await TensorThread.Run(async () =>
        {
            string images = _temp.File("images");
            new CategoryImageGenerator(new FakeTextToImageGenerator(), Options).Run(images, Categories);
            var stage = new OfflinePipeline([new PlainBackgroundExtractor()], options: new OfflinePipelineOptions { BatchSize = 2 });
            using (InstanceBank bank = InstanceBank.Create(_temp.File("from-folder")))
            {
                await stage.RunAsync(new FolderInstanceSource(images, Categories), bank);
            }

            var fake = new FakeTextToImageGenerator();
            using var source = new StableDiffusionInstanceSource(fake, Categories, Options);
            Assert.Equal(8, source.Count);
            using (InstanceBank bank = InstanceBank.Create(_temp.File("in-process")))
            {
                await stage.RunAsync(source, bank);
            }

            Assert.Equal(Cutouts(_temp.File("from-folder")), Cutouts(_temp.File("in-process")));
            Assert.NotEmpty(Cutouts(_temp.File("in-process")));
            Assert.Equal([3, 1, 3, 1], fake.Batches);

            // Resumed: nothing left to generate.
            var again = new FakeTextToImageGenerator();
            using var second = new StableDiffusionInstanceSource(again, Categories, Options);
            using (InstanceBank bank = InstanceBank.OpenOrCreate(_temp.File("in-process")))
            {
                await stage.RunAsync(second, bank);
            }

            Assert.Equal(0, again.Made);
        });
    }

    [Fact]
    public void Other_settings_give_another_source_name_so_a_bank_never_mixes_them()
    {
        using var a = new StableDiffusionInstanceSource(new FakeTextToImageGenerator(), Categories, Options);
        using var b = new StableDiffusionInstanceSource(new FakeTextToImageGenerator(model: "other"), Categories, Options);
        using var c = new StableDiffusionInstanceSource(new FakeTextToImageGenerator(), Categories, new CategoryGenerationOptions { PerCategory = 4, BatchSize = 1, Seed = 9 });
        Assert.NotEqual(a.Name, b.Name);
        Assert.Equal(a.Name, c.Name);
        Assert.Equal("kiwi/0003.png", StableDiffusionInstanceSource.IdOf(Categories[0], 3));
    }
}
