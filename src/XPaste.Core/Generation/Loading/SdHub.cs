using Microsoft.Extensions.Logging;
using XPaste.Hub;

namespace XPaste.Generation;

/// <summary>Fetches only the files a Stable Diffusion pipeline needs from the Hub (the fp16 variant when asked), into the Hub cache.</summary>
internal static partial class SdHub
{
    private static readonly string[] Configs =
    [
        "model_index.json", "scheduler/scheduler_config.json", "text_encoder/config.json", "unet/config.json", "vae/config.json",
        "tokenizer/vocab.json", "tokenizer/merges.txt", "tokenizer/tokenizer_config.json", "tokenizer/special_tokens_map.json",
    ];

    /// <summary>Downloads (or finds in the cache) the configs, tokenizer and one weights file per model; returns the snapshot folder.</summary>
    public static async Task<string> DownloadAsync(ModelStore store, string repoId, StableDiffusionLoadOptions options, ILogger logger,
        CancellationToken cancellationToken)
    {
        string v = options.Variant is null ? "" : "." + options.Variant;
        (string Folder, string Name, string Bin)[] models =
            [("unet", "diffusion_pytorch_model", "diffusion_pytorch_model"), ("vae", "diffusion_pytorch_model", "diffusion_pytorch_model"),
             ("text_encoder", "model", "pytorch_model")];
        var include = new List<string>(Configs);
        HubRepoInfo? info = null;
        if (!store.Options.Offline)
        {
            try
            {
                info = await store.GetRepoInfoAsync(repoId, options.Revision, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                Log.Unreachable(logger, repoId, ex.Message);
            }
        }

        foreach (var (folder, name, bin) in models)
        {
            // As diffusers: the variant when the repository has it, else that component's plain weights.
            string[] candidates = v.Length == 0
                ? [$"{folder}/{name}.safetensors", $"{folder}/{bin}.bin"]
                : [$"{folder}/{name}{v}.safetensors", $"{folder}/{bin}{v}.bin", $"{folder}/{name}.safetensors", $"{folder}/{bin}.bin"];
            string? chosen = info is not null
                ? candidates.FirstOrDefault(c => info.Files.Any(f => f.Path == c))
                : candidates.FirstOrDefault(c => store.FindCached(repoId, options.Revision, [c]) is not null);
            if (chosen is null)
            {
                throw new InvalidInputException(repoId, $"no {folder} weights ({string.Join(" or ", candidates)})" + (info is null ? " in the cache" : " in the repository"));
            }

            include.Add(chosen);
        }

        // Older repos lack special_tokens_map.json or tokenizer_config.json: ask only for what exists.
        if (info is not null)
        {
            include.RemoveAll(p => p.StartsWith("tokenizer/", StringComparison.Ordinal) && p.EndsWith(".json", StringComparison.Ordinal)
                && p != "tokenizer/vocab.json" && info.Files.All(f => f.Path != p));
        }

        return await store.DownloadAsync(repoId, options.Revision, include, options.DownloadProgress, cancellationToken).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "The Hub cannot be reached for {Repo} ({Error}); using the cache")]
        public static partial void Unreachable(ILogger logger, string repo, string error);
    }
}
