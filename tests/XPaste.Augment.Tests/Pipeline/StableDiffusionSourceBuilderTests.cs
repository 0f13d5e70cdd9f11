using Microsoft.Extensions.DependencyInjection;
using XPaste.Abstractions;
using XPaste.Augment;
using XPaste.Bank;
using XPaste.Extraction;
using XPaste.Generation.Categories;
using XPaste.Offline;

namespace XPaste.Tests.Pipeline;

public sealed class StableDiffusionSourceBuilderTests
{
    [Fact]
    public async Task The_builder_generates_and_extracts_in_process_and_the_container_releases_the_generator()
    {
        await TensorThread.Run(async () =>
        {
            using var folder = new TempFolder();
            var fake = new FakeTextToImageGenerator();
            var services = new ServiceCollection();
            services.AddXPaste()
                .AddStableDiffusionSource(_ => fake, [new CategoryInfo(3, "pear")], new CategoryGenerationOptions { PerCategory = 3, BatchSize = 2, Seed = 1 })
                .AddExtractor(new PlainBackgroundExtractor());
            using (ServiceProvider provider = services.BuildServiceProvider())
            {
                XPasteOfflineComponents offline = provider.GetRequiredService<XPasteOfflineComponents>();
                using InstanceBank bank = InstanceBank.Create(folder.File("bank"));
                OfflineResult result = await offline.BuildBankAsync(bank);
                Assert.Equal(3, result.Added + result.Rejected);
                Assert.True(result.Added >= 2, $"{result}");
                Assert.All(bank.Instances, i => Assert.Equal(3, i.CategoryId));
                Assert.Equal(3, fake.Made);
                Assert.False(fake.Disposed);
            }

            Assert.True(fake.Disposed);
        });
    }
}
