using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using XPaste.Abstractions;
using XPaste.Coco;

namespace XPaste.Augment;

/// <summary>
/// Composes an X-Paste pipeline: the offline components (instance sources, segmenters, zero-shot filter) and the paste
/// side (instance pool, size statistics, dataset, policy, kernel settings), then builds the online
/// <see cref="XPasteAugmenter"/>. Components can be given as instances or as factories over an
/// <see cref="IServiceProvider"/> (resolved when the augmenter is built). Not thread-safe; configure, then build.
/// </summary>
/// <remarks>
/// Ownership, as in Microsoft.Extensions.AI's <c>AddChatClient</c>: in a service collection (<c>AddXPaste</c>) each
/// component given as a factory is registered as a keyed singleton, so the container makes it once and disposes it
/// with itself (a CLIP filter on the GPU is released when the host stops); a component given as an instance stays
/// the caller's and is never disposed for it. Outside a service collection (<see cref="XPastePipeline.CreateBuilder"/>)
/// the caller owns whatever the factories make.
/// </remarks>
public sealed class XPastePipelineBuilder
{
    private readonly List<Action<XPasteOptions>> _configure = [];
    private readonly List<Func<IServiceProvider, IInstanceSource>> _sources = [];
    private readonly List<Func<IServiceProvider, IInstanceExtractor>> _extractors = [];
    private Func<IServiceProvider, IZeroShotFilter>? _filter;
    private Func<IServiceProvider, IPasteInstancePool>? _pool;
    private Func<IServiceProvider, IAnnotatedImageSource>? _dataset;
    private Func<IServiceProvider, CategorySizeStatistics>? _sizes;
    private Func<IServiceProvider, IPastePolicy>? _policy;
    private ILoggerFactory? _loggerFactory;

    internal XPastePipelineBuilder(IServiceCollection? services)
    {
        Services = services;
    }

    /// <summary>The service collection when the builder came from <c>AddXPaste</c>; null otherwise.</summary>
    public IServiceCollection? Services { get; }

    /// <summary>Changes the options (in DI, through <c>services.Configure&lt;XPasteOptions&gt;</c>, so configuration binding also applies).</summary>
    /// <param name="configure">Edits the options.</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder Configure(Action<XPasteOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        if (Services is not null)
        {
            Services.Configure(configure);
        }
        else
        {
            _configure.Add(configure);
        }

        return this;
    }

    /// <summary>Adds a source of candidate instance images (offline stage).</summary>
    /// <param name="source">The source.</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder AddSource(IInstanceSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _sources.Add(Given(source));
        return this;
    }

    /// <summary>Adds a source made from the services.</summary>
    /// <param name="factory">Makes the source.</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder AddSource(Func<IServiceProvider, IInstanceSource> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _sources.Add(Made(factory));
        return this;
    }

    /// <summary>Sets the zero-shot filter (offline stage).</summary>
    /// <param name="filter">The filter.</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder UseFilter(IZeroShotFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        _filter = Given(filter);
        return this;
    }

    /// <summary>Sets the zero-shot filter, made from the services.</summary>
    /// <param name="factory">Makes the filter.</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder UseFilter(Func<IServiceProvider, IZeroShotFilter> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _filter = Made(factory);
        return this;
    }

    /// <summary>Adds a foreground segmenter (offline stage); the reference runs several and keeps the best mask.</summary>
    /// <param name="extractor">The segmenter.</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder AddExtractor(IInstanceExtractor extractor)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        _extractors.Add(Given(extractor));
        return this;
    }

    /// <summary>Adds a segmenter made from the services.</summary>
    /// <param name="factory">Makes the segmenter.</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder AddExtractor(Func<IServiceProvider, IInstanceExtractor> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _extractors.Add(Made(factory));
        return this;
    }

    /// <summary>Sets the instance pool the X-Paste policy draws from (usually the instance bank).</summary>
    /// <param name="pool">The pool (not owned by the augmenter).</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder UseInstancePool(IPasteInstancePool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        _pool = Given(pool);
        return this;
    }

    /// <summary>Sets the instance pool, made from the services.</summary>
    /// <param name="factory">Makes the pool.</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder UseInstancePool(Func<IServiceProvider, IPasteInstancePool> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _pool = Made(factory);
        return this;
    }

    /// <summary>Sets the annotated images: the destinations, and Simple Copy-Paste's sources.</summary>
    /// <param name="dataset">The images (not owned by the augmenter).</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder UseDataset(IAnnotatedImageSource dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        _dataset = Given(dataset);
        return this;
    }

    /// <summary>Sets the annotated images, made from the services.</summary>
    /// <param name="factory">Makes the dataset.</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder UseDataset(Func<IServiceProvider, IAnnotatedImageSource> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _dataset = Made(factory);
        return this;
    }

    /// <summary>Sets the per-category size statistics the X-Paste policy sizes instances with.</summary>
    /// <param name="sizes">The statistics.</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder UseSizeStatistics(CategorySizeStatistics sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        _sizes = Given(sizes);
        return this;
    }

    /// <summary>Sets the size statistics, made from the services.</summary>
    /// <param name="factory">Makes the statistics.</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder UseSizeStatistics(Func<IServiceProvider, CategorySizeStatistics> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _sizes = Made(factory);
        return this;
    }

    /// <summary>Uses the X-Paste policy (the default).</summary>
    /// <param name="configure">Optionally edits its options.</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder UseXPastePolicy(Action<XPastePolicyOptions>? configure = null) =>
        SelectPolicy(PastePolicyKind.XPaste, configure, null);

    /// <summary>Uses Simple Copy-Paste alone.</summary>
    /// <param name="configure">Optionally edits its options.</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder UseSimpleCopyPaste(Action<SimpleCopyPasteOptions>? configure = null) =>
        SelectPolicy(PastePolicyKind.SimpleCopyPaste, null, configure);

    /// <summary>Uses X-Paste, then Simple Copy-Paste (the reference's "both").</summary>
    /// <param name="configureXPaste">Optionally edits the X-Paste options.</param>
    /// <param name="configureSimple">Optionally edits the Simple Copy-Paste options.</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder UseBoth(Action<XPastePolicyOptions>? configureXPaste = null, Action<SimpleCopyPasteOptions>? configureSimple = null) =>
        SelectPolicy(PastePolicyKind.Both, configureXPaste, configureSimple);

    /// <summary>Uses a custom policy instead of the built-in ones.</summary>
    /// <param name="policy">The policy.</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder UsePolicy(IPastePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _policy = Given(policy);
        return this;
    }

    /// <summary>Uses a custom policy made from the services.</summary>
    /// <param name="factory">Makes the policy.</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder UsePolicy(Func<IServiceProvider, IPastePolicy> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _policy = Made(factory);
        return this;
    }

    /// <summary>Logs through this factory (in DI the registered <see cref="ILoggerFactory"/> is used when this is not set).</summary>
    /// <param name="loggerFactory">The factory.</param>
    /// <returns>This builder.</returns>
    public XPastePipelineBuilder UseLogging(ILoggerFactory loggerFactory)
    {
        _loggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        return this;
    }

    /// <summary>The offline stage's components (resolved from <paramref name="services"/> where given as factories).</summary>
    /// <param name="services">Services for the factories; null outside DI.</param>
    /// <returns>The components.</returns>
    public XPasteOfflineComponents BuildOfflineComponents(IServiceProvider? services = null)
    {
        IServiceProvider sp = services ?? EmptyServiceProvider.Instance;
        return new XPasteOfflineComponents(
            [.. _sources.Select(f => f(sp))],
            _filter?.Invoke(sp),
            [.. _extractors.Select(f => f(sp))]);
    }

    /// <summary>Builds the online augmenter. The options are validated first.</summary>
    /// <param name="services">Services for the factories and, in DI, the options; null outside DI. A builder from
    /// <c>AddXPaste</c> builds from the container it was registered in (the container calls this).</param>
    /// <returns>The augmenter.</returns>
    /// <exception cref="OptionsValidationException">The options are invalid (every problem is listed).</exception>
    /// <exception cref="InvalidOperationException">The chosen policy lacks what it needs (a pool, a dataset).</exception>
    public XPasteAugmenter Build(IServiceProvider? services = null)
    {
        IServiceProvider sp = services ?? EmptyServiceProvider.Instance;
        XPasteOptions options;
        if (services?.GetService(typeof(IOptions<XPasteOptions>)) is IOptions<XPasteOptions> registered)
        {
            options = registered.Value; // validated by the registered validator
        }
        else
        {
            options = new XPasteOptions();
            foreach (Action<XPasteOptions> configure in _configure)
            {
                configure(options);
            }

            ValidateOptionsResult result = new XPasteOptionsValidator().Validate(Options.DefaultName, options);
            if (result.Failed)
            {
                throw new OptionsValidationException(Options.DefaultName, typeof(XPasteOptions), result.Failures);
            }
        }

        IPasteInstancePool? pool = _pool?.Invoke(sp);
        IAnnotatedImageSource? dataset = _dataset?.Invoke(sp);
        if (pool is InstanceBankPool bankPool && dataset is CocoImageSource coco)
        {
            // Labels by name, never by number, as the CLI does: a bank category the dataset lacks is refused by name.
            pool = CategoryMappedPool.ForDataset(pool, bankPool.Bank, coco.Dataset).Pool;
        }

        CategorySizeStatistics? sizes = _sizes?.Invoke(sp);
        IPastePolicy policy = _policy?.Invoke(sp) ?? options.Policy switch
        {
            PastePolicyKind.SimpleCopyPaste => new SimpleCopyPastePolicy(options.SimpleCopyPaste),
            PastePolicyKind.Both => new CompositePastePolicy(new XPastePolicy(options.XPaste), new SimpleCopyPastePolicy(options.SimpleCopyPaste)),
            _ => new XPastePolicy(options.XPaste),
        };
        if (_policy is null && options.Policy != PastePolicyKind.SimpleCopyPaste && pool is null)
        {
            throw new InvalidOperationException($"the {options.Policy} policy needs an instance pool: call UseInstancePool");
        }

        if (_policy is null && options.Policy != PastePolicyKind.XPaste && dataset is null)
        {
            throw new InvalidOperationException($"the {options.Policy} policy needs a dataset of annotated images: call UseDataset");
        }

        ILoggerFactory? loggerFactory = _loggerFactory ?? services?.GetService(typeof(ILoggerFactory)) as ILoggerFactory;
        return new XPasteAugmenter(options, policy, dataset, pool, sizes, loggerFactory?.CreateLogger<XPasteAugmenter>());
    }

    /// <summary>A component the caller made and keeps: registered (in DI) as an instance, which the container never disposes.</summary>
    private Func<IServiceProvider, T> Given<T>(T component)
        where T : class
    {
        if (Services is null)
        {
            return _ => component;
        }

        var key = new ComponentKey(typeof(T));
        Services.AddKeyedSingleton(key, component);
        return sp => sp.GetRequiredKeyedService<T>(key);
    }

    /// <summary>A component made by a factory: registered (in DI) as a keyed singleton, so the container makes and disposes it.</summary>
    private Func<IServiceProvider, T> Made<T>(Func<IServiceProvider, T> factory)
        where T : class
    {
        if (Services is null)
        {
            return factory;
        }

        var key = new ComponentKey(typeof(T));
        Services.AddKeyedSingleton(key, (sp, _) => factory(sp));
        return sp => sp.GetRequiredKeyedService<T>(key);
    }

    private XPastePipelineBuilder SelectPolicy(PastePolicyKind kind, Action<XPastePolicyOptions>? xpaste, Action<SimpleCopyPasteOptions>? simple) =>
        Configure(o =>
        {
            o.Policy = kind;
            xpaste?.Invoke(o.XPaste);
            simple?.Invoke(o.SimpleCopyPaste);
        });

    /// <summary>The key of one component registration: unique per call, so a builder's components never collide with other registrations.</summary>
    private sealed class ComponentKey(Type type)
    {
        public override string ToString() => $"XPaste {type.Name}";
    }

    private sealed class EmptyServiceProvider : IServiceProvider
    {
        public static readonly EmptyServiceProvider Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
