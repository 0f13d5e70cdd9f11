using Microsoft.Extensions.Logging;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>Builds each model on the meta device from its config and loads its weights strictly.</summary>
internal static partial class ComponentLoader
{
    public static UNet2DConditionModel Unet(UNet2DConditionConfig config, IReadOnlyDictionary<string, Tensor> weights, string source,
        StableDiffusionLoadOptions options, ILogger logger) =>
        Load(new UNet2DConditionModel(config, META), weights, source, options, logger, null);

    public static AutoencoderKL Vae(AutoencoderKLConfig config, IReadOnlyDictionary<string, Tensor> weights, string source,
        StableDiffusionLoadOptions options, ILogger logger) =>
        Load(new AutoencoderKL(config, META), weights, source, options, logger, null);

    public static AutoencoderTiny TinyVae(AutoencoderTinyConfig config, IReadOnlyDictionary<string, Tensor> weights, string source,
        StableDiffusionLoadOptions options, ILogger logger) =>
        Load(new AutoencoderTiny(config, META), weights, source, options, logger, null);

    public static ClipTextModel TextEncoder(Clip.ClipTextConfig config, IReadOnlyDictionary<string, Tensor> weights, string source,
        StableDiffusionLoadOptions options, ILogger logger) =>
        // transformers < 4.31 saved the position_ids buffer; it is arange(77) and not a parameter.
        Load(new ClipTextModel(config, META), weights, source, options, logger,
            name => name.EndsWith("embeddings.position_ids", StringComparison.Ordinal));

    /// <summary>Reads a component folder's weights (variant, safetensors, bin or sharded).</summary>
    public static (Dictionary<string, Tensor> Weights, string Source) ReadFolder(string folder, string name, string bin, string? variant, ILogger logger)
    {
        string? path = DiffusersWeights.Find(folder, name, bin, variant);
        if (path is null && variant is not null && DiffusersWeights.Find(folder, name, bin, null) is { } plain)
        {
            // As diffusers does: a component without the variant falls back to its plain weights.
            Log.NoVariant(logger, folder, variant);
            path = plain;
        }

        if (path is null)
        {
            string v = variant is null ? "" : "." + variant;
            throw new InvalidInputException(folder,
                $"no weights: expected {name}{v}.safetensors, {bin}{v}.bin or a sharded index" + (variant is null ? "" : $" (variant '{variant}' was asked for)"));
        }

        return (DiffusersWeights.Load(path), path);
    }

    private static T Load<T>(T model, IReadOnlyDictionary<string, Tensor> weights, string source, StableDiffusionLoadOptions options,
        ILogger logger, Func<string, bool>? ignore)
        where T : nn.Module
    {
        try
        {
            WeightLoadReport report = MetaWeights.Load(model, weights, source, options.ResolvedDevice, options.ResolvedDType, ignore);
            if (logger.IsEnabled(LogLevel.Information))
            {
                Log.Loaded(logger, source, report.Loaded.Count, options.ResolvedDType, options.ResolvedDevice.type);
            }

            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "{Folder} has no '{Variant}' variant weights; using the plain files")]
        public static partial void NoVariant(ILogger logger, string folder, string variant);

        [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Source}: {Count} tensors as {DType} on {Device}")]
        public static partial void Loaded(ILogger logger, string source, int count, ScalarType dtype, TorchSharp.DeviceType device);
    }
}
