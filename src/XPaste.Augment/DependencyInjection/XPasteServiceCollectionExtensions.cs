using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using XPaste.Augment;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers X-Paste in a service collection.</summary>
public static class XPasteServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="XPasteOptions"/> (validated by <see cref="XPasteOptionsValidator"/> when the host starts, via
    /// <c>ValidateOnStart</c>), and the <see cref="XPasteAugmenter"/> and <see cref="XPasteOfflineComponents"/> the
    /// returned builder builds, as singletons made on first use and owned by the container. Components given to the
    /// builder as factories are owned by the container too; components given as instances stay the caller's.
    /// </summary>
    /// <remarks>
    /// One pipeline per service collection: calling <c>AddXPaste</c> again returns the same builder, so what the second
    /// call adds (sources, extractors, options) composes with the first instead of being dropped.
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Optionally edits the options.</param>
    /// <returns>The builder, to add the pool, dataset, policy and offline components.</returns>
    /// <exception cref="XPaste.Runtime.TorchSharpLoadException">TorchSharp's native backend cannot load (the message says why).</exception>
    public static XPastePipelineBuilder AddXPaste(this IServiceCollection services, Action<XPasteOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        XPaste.Runtime.TorchSharpRuntime.EnsureLoaded(); // a clear message here, not TorchSharp's misleading one later
        XPastePipelineBuilder? existing = services
            .Where(d => d.ServiceType == typeof(Registration) && !d.IsKeyedService)
            .Select(d => ((Registration)d.ImplementationInstance!).Builder)
            .FirstOrDefault();
        XPastePipelineBuilder builder = existing ?? new XPastePipelineBuilder(services);
        if (existing is null)
        {
            services.AddOptions<XPasteOptions>().ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<XPasteOptions>, XPasteOptionsValidator>());
            services.AddSingleton(new Registration(builder));
            services.AddSingleton(sp => builder.Build(sp));
            services.AddSingleton(sp => builder.BuildOfflineComponents(sp));
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    /// <summary>Marks a service collection that has a pipeline, and holds its builder (never resolved).</summary>
    private sealed class Registration(XPastePipelineBuilder builder)
    {
        public XPastePipelineBuilder Builder { get; } = builder;
    }
}
