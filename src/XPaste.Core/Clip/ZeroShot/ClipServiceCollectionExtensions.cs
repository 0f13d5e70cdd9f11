using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using XPaste.Abstractions;

namespace XPaste.Clip;

/// <summary>Registers the CLIP zero-shot filter with a service collection.</summary>
public static class ClipServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="ClipZeroShotFilter"/> (also as <see cref="IZeroShotFilter"/>) loaded from a
    /// Hugging Face CLIP folder on first use, with validated <see cref="ClipZeroShotOptions"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="nameOrPath">The model folder (config.json, weights, vocab.json, merges.txt) or a Hub repo id; device and precision come from <see cref="ClipZeroShotOptions.Model"/>.</param>
    /// <returns>The options builder, to configure or further validate <see cref="ClipZeroShotOptions"/>.</returns>
    public static OptionsBuilder<ClipZeroShotOptions> AddClipZeroShotFilter(this IServiceCollection services, string nameOrPath)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrPath);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClipZeroShotOptions>, ClipZeroShotOptionsValidator>());
        services.TryAddSingleton(provider => ClipZeroShotFilter.Load(nameOrPath,
            provider.GetRequiredService<IOptions<ClipZeroShotOptions>>().Value, provider.GetService<ILogger<ClipZeroShotFilter>>(), default));
        services.TryAddSingleton<IZeroShotFilter>(provider => provider.GetRequiredService<ClipZeroShotFilter>());
        return services.AddOptions<ClipZeroShotOptions>();
    }
}
