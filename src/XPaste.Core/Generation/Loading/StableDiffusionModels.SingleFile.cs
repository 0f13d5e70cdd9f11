using Microsoft.Extensions.Logging;
using XPaste.Clip;
using static TorchSharp.torch;

namespace XPaste.Generation;

public sealed partial class StableDiffusionModels
{
    private static StableDiffusionModels FromSingleFile(string path, StableDiffusionLoadOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".safetensors" or ".ckpt" or ".pt" or ".pth" or ".bin"))
        {
            throw new InvalidInputException(path, "not a single-file checkpoint: expected .safetensors or .ckpt");
        }

        string? configs = options.ConfigFolder;
        if (configs is not null && !Directory.Exists(configs))
        {
            throw new InvalidInputException(configs, "config folder not found");
        }

        UNet2DConditionConfig unetConfig = configs is null
            ? UNet2DConditionConfig.Parse(Sd15Configs.Unet, "SD 1.5 unet/config.json")
            : UNet2DConditionConfig.Load(Path.Combine(configs, "unet", "config.json"));
        AutoencoderKLConfig vaeConfig = configs is null
            ? AutoencoderKLConfig.Parse(Sd15Configs.Vae, "SD 1.5 vae/config.json")
            : AutoencoderKLConfig.Load(Path.Combine(configs, "vae", "config.json"));
        ClipTextConfig textConfig = ClipTextModel.ReadConfig(configs is null
            ? ConfigJson.Parse(Sd15Configs.TextEncoder, "SD 1.5 text_encoder/config.json")
            : ConfigJson.Load(Path.Combine(configs, "text_encoder", "config.json")));
        string schedulerJson = configs is null ? Sd15Configs.Scheduler : ReadRequired(Path.Combine(configs, "scheduler", "scheduler_config.json"));
        StableDiffusionTokenizer tokenizer = configs is null
            ? StableDiffusionTokenizer.Sd1Bundled()
            : StableDiffusionTokenizer.FromFolder(Path.Combine(configs, "tokenizer"));

        var built = new List<IDisposable>();
        Dictionary<string, Tensor> tensors = SingleFileLoader.Read(path);
        try
        {
            SingleFileLoader.Split split;
            using (var unetMeta = new UNet2DConditionModel(unetConfig, META))
            using (var vaeMeta = new AutoencoderKL(vaeConfig, META))
            using (var textMeta = new ClipTextModel(textConfig, META))
            {
                split = SingleFileLoader.Convert(path, tensors, unetMeta, vaeMeta, textMeta);
            }

            using (split)
            {
                DiffusersWeights.Dispose(tensors);
                UNet2DConditionModel unet = ComponentLoader.Unet(unetConfig, split.Unet, path, options, logger);
                built.Add(unet);
                AutoencoderKL vae = ComponentLoader.Vae(vaeConfig, split.Vae, path, options, logger);
                built.Add(vae);
                ClipTextModel text;
                if (split.TextEncoder.Count > 0)
                {
                    text = ComponentLoader.TextEncoder(textConfig, split.TextEncoder, path, options, logger);
                }
                else if (configs is not null && Directory.Exists(Path.Combine(configs, "text_encoder")))
                {
                    // A file with only the UNet and VAE: the text encoder comes from the config folder's weights.
                    text = LoadFromFolder(Path.Combine(configs, "text_encoder"), "model", "pytorch_model", options, logger,
                        (w, s) => ComponentLoader.TextEncoder(textConfig, w, s, options, logger));
                }
                else
                {
                    throw new InvalidInputException(path, "the checkpoint has no text encoder (cond_stage_model.transformer.*): pass a ConfigFolder with text_encoder weights");
                }

                built.Add(text);
                return new StableDiffusionModels(tokenizer, text, unet, vae, schedulerJson, path);
            }
        }
        catch
        {
            DiffusersWeights.Dispose(tensors);
            built.ForEach(b => b.Dispose());
            throw;
        }
    }

    private static string ReadRequired(string path) =>
        File.Exists(path) ? File.ReadAllText(path) : throw new InvalidInputException(path, "file not found");
}
