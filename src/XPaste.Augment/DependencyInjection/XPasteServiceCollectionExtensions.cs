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
    /// <c>ValidateOnStart</c>), the <see cref="XPasteAugmenter"/> and the <see cref="XPasteOfflineComponents"/> as
    /// singletons built from the returned builder when first resolved.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Optionally edits the options.</param>
    /// <returns>The builder, to add the pool, dataset, policy and offline components.</returns>
    /// <exception cref="XPaste.Runtime.TorchSharpLoadException">TorchSharp's native backend cannot load (the message says why).</exception>
    public static XPastePipelineBuilder AddXPaste(this IServiceCollection services, Action<XPasteOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        XPaste.Runtime.TorchSharpRuntime.EnsureLoaded(); // a clear message here, not TorchSharp's misleading one later
        var builder = new XPastePipelineBuilder(services);
        OptionsBuilder<XPasteOptions> options = services.AddOptions<XPasteOptions>();
        options.ValidateOnStart();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<XPasteOptions>, XPasteOptionsValidator>());
        services.TryAddSingleton(builder);
        services.TryAddSingleton(sp => builder.Build(sp));
        services.TryAddSingleton(sp => builder.BuildOfflineComponents(sp));
        return builder;
    }
}
