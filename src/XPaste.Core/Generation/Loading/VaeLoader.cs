using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using XPaste.Hub;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// Loads a VAE on its own (a pipeline's <c>vae/</c> folder, an override folder or repo): <c>AutoencoderKL</c> or
/// <c>AutoencoderTiny</c> by the config's <c>_class_name</c>; the original TAESD files by their names.
/// </summary>
internal static partial class VaeLoader
{
    private const string Weights = "diffusion_pytorch_model";
    private static readonly string[] OriginalExtensions = [".safetensors", ".pth"];

    public static StableDiffusionVae Load(string nameOrPath, StableDiffusionLoadOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        if (Directory.Exists(nameOrPath))
        {
            return FromFolder(nameOrPath, options, logger);
        }

        if (File.Exists(nameOrPath) || !PretrainedSource.LooksLikeRepoId(nameOrPath))
        {
            throw new InvalidInputException(nameOrPath, "no such VAE folder, and not a Hub repo id (owner/name)");
        }

        return FromFolder(PretrainedSource.Resolve(nameOrPath, options, (store, id, ct) => DownloadAsync(store, id, options, logger, ct), cancellationToken),
            options, logger);
    }

    /// <summary>A folder with <c>config.json</c> and diffusers weights, or with <c>taesd_encoder</c>/<c>taesd_decoder</c> files.</summary>
    public static StableDiffusionVae FromFolder(string folder, StableDiffusionLoadOptions options, ILogger logger)
    {
        string configPath = Path.Combine(folder, "config.json");
        bool hasConfig = File.Exists(configPath);
        bool hasDiffusersWeights = DiffusersWeights.Find(folder, Weights, Weights, options.Variant) is not null
            || DiffusersWeights.Find(folder, Weights, Weights, null) is not null;
        string? originalEncoder = OriginalTaesdFile(folder, "taesd_encoder");
        string? originalDecoder = OriginalTaesdFile(folder, "taesd_decoder");
        if (!hasDiffusersWeights && originalEncoder is not null && originalDecoder is not null)
        {
            AutoencoderTinyConfig config = hasConfig ? AutoencoderTinyConfig.Load(configPath) : AutoencoderTinyConfig.Taesd;
            return FromOriginalTaesd(config, originalEncoder, originalDecoder, options, logger);
        }

        if (!hasConfig)
        {
            throw new InvalidInputException(folder, "not a VAE folder: config.json is missing (and no taesd_encoder/taesd_decoder files)");
        }

        string? cls = ConfigJson.Load(configPath).OptionalString("_class_name");
        var (weights, source) = ComponentLoader.ReadFolder(folder, Weights, Weights, options.Variant, logger);
        try
        {
            return cls == "AutoencoderTiny"
                ? ComponentLoader.TinyVae(AutoencoderTinyConfig.Load(configPath), weights, source, options, logger)
                : ComponentLoader.Vae(AutoencoderKLConfig.Load(configPath), DiffusersWeights.RenameLegacyVaeAttention(weights), source, options, logger);
        }
        finally
        {
            DiffusersWeights.Dispose(weights);
        }
    }

    /// <summary>
    /// The original TAESD files' names in the diffusers layout: <c>N.*</c> of the encoder is <c>encoder.layers.N.*</c>;
    /// the decoder's start with a parameterless clamp layer, so its <c>N.*</c> is <c>decoder.layers.(N-1).*</c>.
    /// </summary>
    public static string MapOriginalKey(string key, bool decoder)
    {
        Match m = LayerIndex().Match(key);
        if (!m.Success)
        {
            throw new InvalidInputException(key, "not a TAESD layer key (expected '<index>.<name>')");
        }

        int index = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) - (decoder ? 1 : 0);
        if (index < 0)
        {
            throw new InvalidInputException(key, "the TAESD decoder's layer 0 is the parameterless clamp: it holds no weights");
        }

        return $"{(decoder ? "decoder" : "encoder")}.layers.{index}{m.Groups[2].Value}";
    }

    private static AutoencoderTiny FromOriginalTaesd(AutoencoderTinyConfig config, string encoderPath, string decoderPath,
        StableDiffusionLoadOptions options, ILogger logger)
    {
        Dictionary<string, Tensor> encoder = DiffusersWeights.Load(encoderPath);
        Dictionary<string, Tensor> decoder = DiffusersWeights.Load(decoderPath);
        try
        {
            var mapped = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (key, t) in encoder)
            {
                mapped[MapOriginalKey(key, decoder: false)] = t;
            }

            foreach (var (key, t) in decoder)
            {
                mapped[MapOriginalKey(key, decoder: true)] = t;
            }

            return ComponentLoader.TinyVae(config, mapped, $"{encoderPath} + {decoderPath}", options, logger);
        }
        finally
        {
            DiffusersWeights.Dispose(encoder);
            DiffusersWeights.Dispose(decoder);
        }
    }

    private static string? OriginalTaesdFile(string folder, string name) =>
        OriginalExtensions.Select(ext => Path.Combine(folder, name + ext)).FirstOrDefault(File.Exists);

    private static async Task<string> DownloadAsync(ModelStore store, string repoId, StableDiffusionLoadOptions options, ILogger logger,
        CancellationToken cancellationToken)
    {
        string v = options.Variant is null ? "" : "." + options.Variant;
        string[] candidates = v.Length == 0
            ? [$"{Weights}.safetensors", $"{Weights}.bin"]
            : [$"{Weights}{v}.safetensors", $"{Weights}{v}.bin", $"{Weights}.safetensors", $"{Weights}.bin"];
        string chosen = await PretrainedSource.FirstPresentAsync(store, repoId, options.Revision, candidates, cancellationToken, logger).ConfigureAwait(false)
            ?? throw new InvalidInputException(repoId,
                $"no VAE weights ({string.Join(" or ", candidates)}) in the repository (or in the cache when the Hub is offline or unreachable)");
        return await store.DownloadAsync(repoId, options.Revision, ["config.json", chosen], options.DownloadProgress, cancellationToken).ConfigureAwait(false);
    }

    [GeneratedRegex(@"^(\d+)(\..+)$")]
    private static partial Regex LayerIndex();
}
