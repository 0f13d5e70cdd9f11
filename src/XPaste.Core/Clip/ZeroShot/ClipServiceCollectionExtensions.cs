using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using XPaste.Abstractions;
using static TorchSharp.torch;

namespace XPaste.Clip;

/// <summary>Registers the CLIP zero-shot filter with a service collection.</summary>
public static class ClipServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="ClipZeroShotFilter"/> (also as <see cref="IZeroShotFilter"/>) loaded from a
    /// Hugging Face CLIP folder on first use, with validated <see cref="ClipZeroShotOptions"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="modelFolder">The model folder (config.json, weights, vocab.json, merges.txt).</param>
    /// <param name="device">Where to run; the CPU when null.</param>
    /// <param name="modelOptions">Precision and strictness of the model.</param>
    /// <returns>The options builder, to configure or further validate <see cref="ClipZeroShotOptions"/>.</returns>
    public static OptionsBuilder<ClipZeroShotOptions> AddClipZeroShotFilter(this IServiceCollection services, string modelFolder,
        Device? device = null, ClipModelOptions? modelOptions = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(modelFolder);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClipZeroShotOptions>, ClipZeroShotOptionsValidator>());
        services.TryAddSingleton(provider => ClipZeroShotFilter.FromPretrained(modelFolder, device,
            provider.GetRequiredService<IOptions<ClipZeroShotOptions>>().Value, modelOptions,
            provider.GetService<ILogger<ClipZeroShotFilter>>()));
        services.TryAddSingleton<IZeroShotFilter>(provider => provider.GetRequiredService<ClipZeroShotFilter>());
        return services.AddOptions<ClipZeroShotOptions>();
    }
}
