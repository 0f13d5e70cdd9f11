using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using XPaste.Augment;

namespace XPaste.Tests.DependencyInjection;

public sealed class XPasteServiceCollectionTests
{
    [Fact]
    public void Invalid_options_fail_the_start_validation_listing_every_problem()
    {
        var services = new ServiceCollection();
        services.AddXPaste(o =>
        {
            o.BatchSize = 0;
            o.XPaste.MaxCount = -1;
            o.Kernel.AlphaThreshold = 300;
            o.Jitter.MinScale = 3;
        });
        using ServiceProvider provider = services.BuildServiceProvider();

        // What a host runs at start (ValidateOnStart).
        OptionsValidationException e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(e.Failures, f => f.Contains("BatchSize", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("XPaste:", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.Contains("AlphaThreshold", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("Jitter:", StringComparison.Ordinal));
        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<XPasteAugmenter>());
    }

    [Fact]
    public void Valid_registration_builds_the_augmenter_from_services_and_configuration()
    {
        using InMemoryInstancePool pool = SyntheticData.Pool(4);
        using InMemoryImageSource dataset = SyntheticData.Dataset(3);
        var services = new ServiceCollection();
        services.AddSingleton<IPasteInstancePool>(pool);
        XPastePipelineBuilder builder = services.AddXPaste(o => o.Seed = 77)
            .UseInstancePool(sp => sp.GetRequiredService<IPasteInstancePool>())
            .UseDataset(dataset)
            .UseBoth(x => x.MaxCount = 3)
            .Configure(o => o.Jitter.OutputWidth = 32);
        Assert.Same(services, builder.Services);
        using ServiceProvider provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();

        XPasteAugmenter augmenter = provider.GetRequiredService<XPasteAugmenter>();
        Assert.Same(augmenter, provider.GetRequiredService<XPasteAugmenter>());
        Assert.Same(pool, augmenter.Pool);
        Assert.Equal(77, augmenter.Options.Seed);
        Assert.Equal(3, augmenter.Options.XPaste.MaxCount);
        Assert.Equal(PastePolicyKind.Both, augmenter.Options.Policy);
        Assert.IsType<CompositePastePolicy>(augmenter.Policy);
        Assert.Equal(32, augmenter.Plan(0, 0).Width);
        Assert.Same(builder, provider.GetRequiredService<XPastePipelineBuilder>());
    }

    [Fact]
    public void The_builder_holds_the_offline_components()
    {
        var services = new ServiceCollection();
        var source = new FakeSource();
        services.AddXPaste().AddSource(source).AddExtractor(_ => new FakeExtractor("a")).AddExtractor(new FakeExtractor("b"));
        using ServiceProvider provider = services.BuildServiceProvider();
        XPasteOfflineComponents offline = provider.GetRequiredService<XPasteOfflineComponents>();
        Assert.Same(source, Assert.Single(offline.Sources));
        Assert.Equal(["a", "b"], offline.Extractors.Select(e => e.Name));
        Assert.Null(offline.Filter);
    }

    private sealed class FakeSource : XPaste.Abstractions.IInstanceSource
    {
        public string Name => "fake";

        public IReadOnlyList<XPaste.Abstractions.CategoryInfo> Categories => [];

        public async IAsyncEnumerable<XPaste.Abstractions.SourceImage> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            yield break;
        }
    }

    private sealed class FakeExtractor(string name) : XPaste.Abstractions.IInstanceExtractor
    {
        public string Name => name;

        public Task<IReadOnlyList<TorchSharp.torch.Tensor>> ExtractAsync(IReadOnlyList<TorchSharp.torch.Tensor> images, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<TorchSharp.torch.Tensor>>([]);
    }
}
