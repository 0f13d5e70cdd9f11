using System.Text.Json;
using XPaste.Clip;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// The tokenization Stable Diffusion pipelines apply (<c>padding="max_length", truncation=True</c>): start token,
/// BPE ids, end token, cut to the model length keeping the end token last, then padded with the pad token of
/// <c>tokenizer_config.json</c> / <c>special_tokens_map.json</c> (49407 for SD 1.x, 0 for SD 2.x).
/// </summary>
public sealed class StableDiffusionTokenizer
{
    /// <summary>Creates the tokenizer from a BPE tokenizer and the padding rule.</summary>
    /// <param name="tokenizer">The CLIP BPE tokenizer.</param>
    /// <param name="padTokenId">The pad id.</param>
    /// <param name="maxLength">The sequence length (77).</param>
    public StableDiffusionTokenizer(ClipTokenizer tokenizer, int padTokenId, int maxLength = ClipTokenizer.DefaultContextLength)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        Tokenizer = tokenizer;
        PadTokenId = padTokenId;
        MaxLength = maxLength;
    }

    /// <summary>The CLIP BPE tokenizer underneath.</summary>
    public ClipTokenizer Tokenizer { get; }

    /// <summary>The id padding fills the sequence with.</summary>
    public int PadTokenId { get; }

    /// <summary>The sequence length (<c>model_max_length</c>, 77).</summary>
    public int MaxLength { get; }

    /// <summary>
    /// SD 1.x's tokenizer (<c>openai/clip-vit-large-patch14</c>: CLIP's vocabulary, padded with the end token to 77)
    /// from the vocabulary bundled in XPaste.Core, so a single-file checkpoint loads without the Hub.
    /// </summary>
    internal static StableDiffusionTokenizer Sd1Bundled()
    {
        ClipTokenizer bpe = ClipTokenizer.CreateDefault();
        return new StableDiffusionTokenizer(bpe, bpe.EndTokenId);
    }

    /// <summary>Loads <c>vocab.json</c>, <c>merges.txt</c> and the pad token from a diffusers <c>tokenizer/</c> folder.</summary>
    /// <param name="folder">The folder.</param>
    /// <returns>The tokenizer.</returns>
    /// <exception cref="InvalidInputException">A file is missing or malformed, or the pad token is not in the vocabulary.</exception>
    public static StableDiffusionTokenizer FromFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
        {
            throw new InvalidInputException(folder, "tokenizer folder not found");
        }

        ClipTokenizer bpe = ClipTokenizer.FromFolder(folder);
        string configPath = Path.Combine(folder, "tokenizer_config.json");
        string mapPath = Path.Combine(folder, "special_tokens_map.json");
        string? pad = ReadToken(configPath, "pad_token") ?? ReadToken(mapPath, "pad_token");
        int maxLength = ReadInt(configPath, "model_max_length") is int m and > 1 and <= 1024 ? m : ClipTokenizer.DefaultContextLength;
        int padId = bpe.EndTokenId;
        if (pad is not null)
        {
            // transformers looks the pad token up as a vocabulary entry ("!" is id 0, not "!</w>").
            padId = bpe.TokenToId(pad)
                ?? throw new InvalidInputException(File.Exists(configPath) ? configPath : mapPath, $"pad_token '{pad}' is not in the vocabulary");
        }

        return new StableDiffusionTokenizer(bpe, padId, maxLength);
    }

    /// <summary>Tokenizes prompts as the SD pipeline does.</summary>
    /// <param name="prompts">The prompts (an empty string is the unconditional prompt).</param>
    /// <returns>A CPU <c>int64 [N, MaxLength]</c> tensor; the caller owns it.</returns>
    public Tensor Tokenize(IReadOnlyList<string> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        long[] data = new long[(long)prompts.Count * MaxLength];
        Array.Fill(data, PadTokenId);
        for (int n = 0; n < prompts.Count; n++)
        {
            int[] ids = Tokenizer.Encode(prompts[n] ?? throw new ArgumentException("a prompt is null", nameof(prompts)));
            Span<long> row = data.AsSpan(n * MaxLength, MaxLength);
            int kept = Math.Min(ids.Length, MaxLength - 2);
            row[0] = Tokenizer.StartTokenId;
            for (int i = 0; i < kept; i++)
            {
                row[1 + i] = ids[i];
            }

            row[1 + kept] = Tokenizer.EndTokenId;
        }

        return tensor(data, new long[] { prompts.Count, MaxLength });
    }

    // transformers writes special tokens either as a string or as {"content": ...} (AddedToken).
    private static string? ReadToken(string path, string key)
    {
        using JsonDocument? doc = Open(path);
        if (doc is null || !doc.RootElement.TryGetProperty(key, out JsonElement e))
        {
            return null;
        }

        return e.ValueKind switch
        {
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Object when e.TryGetProperty("content", out JsonElement c) && c.ValueKind == JsonValueKind.String => c.GetString(),
            JsonValueKind.Null => null,
            _ => throw new InvalidInputException(path, $"'{key}' must be a string or {{\"content\": ...}}, not {e.GetRawText()}"),
        };
    }

    private static int? ReadInt(string path, string key)
    {
        using JsonDocument? doc = Open(path);
        return doc is not null && doc.RootElement.TryGetProperty(key, out JsonElement e) && e.ValueKind == JsonValueKind.Number
            && e.TryGetInt32(out int v) ? v : null;
    }

    private static JsonDocument? Open(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                doc.Dispose();
                throw new InvalidInputException(path, "not a JSON object");
            }

            return doc;
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException(path, $"not valid JSON: {ex.Message}", ex);
        }
    }
}
