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
    }

    [Fact]
    public void A_second_AddXPaste_adds_to_the_first_instead_of_being_dropped()
    {
        var services = new ServiceCollection();
        FakeSource first = new(), second = new();
        XPastePipelineBuilder a = services.AddXPaste(o => o.Seed = 5).AddSource(first);
        XPastePipelineBuilder b = services.AddXPaste(o => o.BatchSize = 3).AddSource(second);
        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.Same(a, b);
        Assert.Equal([first, second], provider.GetRequiredService<XPasteOfflineComponents>().Sources);
        XPasteOptions options = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<XPasteOptions>>().Value;
        Assert.Equal((5, 3), (options.Seed, options.BatchSize));
        Assert.Single(services, d => d.ServiceType == typeof(XPasteAugmenter));
        Assert.Single(services, d => d.ServiceType == typeof(XPasteOfflineComponents));
    }

    [Fact]
    public void Components_made_by_factories_belong_to_the_container_and_given_instances_to_the_caller()
    {
        var services = new ServiceCollection();
        var given = new DisposableFilter();
        DisposableFilter? made = null;
        services.AddXPaste().UseFilter(_ => made = new DisposableFilter()).AddSource(new FakeSource());
        using (ServiceProvider provider = services.BuildServiceProvider())
        {
            XPaste.Abstractions.IZeroShotFilter? filter = provider.GetRequiredService<XPasteOfflineComponents>().Filter;
            Assert.NotNull(made);
            Assert.Same(made, filter);
            Assert.False(made.Disposed);
        }

        Assert.Equal(1, made.DisposeCount);

        var services2 = new ServiceCollection();
        services2.AddXPaste().UseFilter(given).AddSource(new FakeSource());
        using (ServiceProvider provider = services2.BuildServiceProvider())
        {
            Assert.Same(given, provider.GetRequiredService<XPasteOfflineComponents>().Filter);
        }

        Assert.False(given.Disposed);
    }

    [Fact]
    public void A_pool_made_by_a_factory_is_disposed_with_the_container()
    {
        using InMemoryInstancePool inner = SyntheticData.Pool(4);
        DisposablePool? made = null;
        var services = new ServiceCollection();
        services.AddXPaste().UseInstancePool(_ => made = new DisposablePool(inner));
        using (ServiceProvider provider = services.BuildServiceProvider())
        {
            IPasteInstancePool? pool = provider.GetRequiredService<XPasteAugmenter>().Pool;
            Assert.NotNull(made);
            Assert.Same(made, pool);
            Assert.False(made.Disposed);
        }

        Assert.True(made.Disposed);
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

    private sealed class DisposableFilter : XPaste.Abstractions.IZeroShotFilter, IDisposable
    {
        public int DisposeCount { get; private set; }

        public bool Disposed => DisposeCount > 0;

        public float[] Score(IReadOnlyList<TorchSharp.torch.Tensor> images, XPaste.Abstractions.CategoryInfo category, CancellationToken cancellationToken = default) =>
            new float[images.Count];

        public bool[] Decide(IReadOnlyList<float> scores) => new bool[scores.Count];

        public void Dispose() => DisposeCount++;
    }

    private sealed class DisposablePool(IPasteInstancePool inner) : IPasteInstancePool, IDisposable
    {
        public bool Disposed { get; private set; }

        public IReadOnlyList<PasteInstanceInfo> Instances => inner.Instances;

        public IReadOnlyList<int> Categories => inner.Categories;

        public IReadOnlyList<int> InstancesOf(int categoryId) => inner.InstancesOf(categoryId);

        public TorchSharp.torch.Tensor Load(int index) => inner.Load(index);

        public void Dispose() => Disposed = true;
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

        public IReadOnlyList<TorchSharp.torch.Tensor> Extract(IReadOnlyList<TorchSharp.torch.Tensor> images,
            IReadOnlyList<XPaste.Abstractions.CategoryInfo> categories, CancellationToken cancellationToken = default) => [];
    }
}
