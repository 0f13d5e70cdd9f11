using System.Collections;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// Reads an original single-file SD 1.x checkpoint (<c>.safetensors</c>, or a <c>.ckpt</c> through the safe
/// PyBridge unpickler) and splits it into diffusers-named UNet, VAE and text-encoder tensors.
/// </summary>
internal static class SingleFileLoader
{
    public sealed record Split(Dictionary<string, Tensor> Unet, Dictionary<string, Tensor> Vae, Dictionary<string, Tensor> TextEncoder) : IDisposable
    {
        public void Dispose()
        {
            DiffusersWeights.Dispose(Unet);
            DiffusersWeights.Dispose(Vae);
            DiffusersWeights.Dispose(TextEncoder);
        }
    }

    /// <summary>Reads the file's tensors; a <c>.ckpt</c>'s <c>state_dict</c> entry is unwrapped.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext == ".safetensors")
        {
            return StateDictFile.LoadSafetensors(path);
        }

        if (ext is not (".ckpt" or ".pt" or ".pth" or ".bin"))
        {
            throw new InvalidInputException(path, "not a single-file checkpoint: expected .safetensors or .ckpt");
        }

        Hashtable table;
        try
        {
            table = TorchSaveArchive.Unpickle(path);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not InvalidInputException)
        {
            throw new InvalidWeightsException(path, $"not a readable torch.save checkpoint (truncated, corrupt, or holding objects other than tensors): {ex.Message}", ex);
        }

        if (table["state_dict"] is Hashtable inner)
        {
            table = inner;
        }

        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string name && entry.Value is Tensor tensor)
            {
                result[name] = tensor;
            }
        }

        if (result.Count == 0)
        {
            throw new InvalidWeightsException(path, "the checkpoint holds no tensors (expected a state_dict)");
        }

        return result;
    }

    /// <summary>Maps every key to its model and diffusers name; keys that map nowhere are an error naming them.</summary>
    public static Split Convert(string path, Dictionary<string, Tensor> tensors, UNet2DConditionModel unet, AutoencoderKL vae, ClipTextModel text)
    {
        Dictionary<string, Tensor> unetTargets = unet.state_dict(), vaeTargets = vae.state_dict(), textTargets = text.state_dict();
        var map = LdmKeyMap.Build(unet.Config, unetTargets.Keys, vae.Config, vaeTargets.Keys, textTargets.Keys);
        if (tensors.Keys.Any(k => k.StartsWith("cond_stage_model.model.", StringComparison.Ordinal)))
        {
            throw new InvalidInputException(path, "an SD 2.x single file (OpenCLIP text encoder, cond_stage_model.model.*) is not supported: use the diffusers folder");
        }

        var unmapped = tensors.Keys.Where(k => !map.ContainsKey(k) && !LdmKeyMap.IsIgnorable(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (unmapped.Count > 0)
        {
            throw new InvalidInputException(path,
                $"{unmapped.Count} tensor(s) map to no SD 1.x model parameter (wrong architecture or config?): {string.Join(", ", unmapped.Take(10))}"
                + (unmapped.Count > 10 ? ", ..." : ""));
        }

        var split = new Split(new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal));
        foreach (var (key, tensor) in tensors)
        {
            if (!map.TryGetValue(key, out var target))
            {
                continue;
            }

            var (dict, targets) = target.Component switch
            {
                SdComponent.Unet => (split.Unet, unetTargets),
                SdComponent.Vae => (split.Vae, vaeTargets),
                _ => (split.TextEncoder, textTargets),
            };

            // 1x1 convolutions in the file that are linear layers here (VAE attention, SD 2.x projections).
            long[] shape = targets[target.Name].shape;
            bool squeeze = !tensor.shape.SequenceEqual(shape) && tensor.shape.Length == shape.Length + 2
                && tensor.shape.Take(shape.Length).SequenceEqual(shape) && tensor.shape.Skip(shape.Length).All(d => d == 1);
            dict[target.Name] = squeeze ? tensor.reshape(shape) : tensor.alias();
        }

        return split;
    }
}
