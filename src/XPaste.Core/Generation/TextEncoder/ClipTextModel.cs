using XPaste.Clip;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// Hugging Face transformers' <c>CLIPTextModel</c> (the text tower Stable Diffusion conditions on), on the CLIP
/// text transformer XPaste already has: keys <c>text_model.*</c>. <see cref="forward"/> returns
/// <c>last_hidden_state</c> (after <c>final_layer_norm</c>), causal attention, no attention mask, as SD's pipeline calls it.
/// </summary>
public sealed class ClipTextModel : nn.Module<Tensor, Tensor>
{
    internal readonly ClipTextTransformer text_model;

    /// <summary>Builds the tower with freshly initialised weights (nothing allocated on the meta device).</summary>
    /// <param name="config">The architecture (<see cref="ReadConfig(string)"/>).</param>
    /// <param name="device">Where the parameters live; the CPU when null.</param>
    public ClipTextModel(ClipTextConfig config, Device? device = null) : base(nameof(ClipTextModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        text_model = new ClipTextTransformer(config, device);
        RegisterComponents();
        eval();
    }

    /// <summary>The architecture.</summary>
    public ClipTextConfig Config { get; }

    /// <summary>The text embeddings SD conditions on.</summary>
    /// <param name="inputIds"><c>int64 [B,T]</c> token ids, T at most <c>max_position_embeddings</c> (77).</param>
    /// <returns><c>last_hidden_state</c> <c>[B,T,hidden_size]</c> in the model's dtype.</returns>
    public override Tensor forward(Tensor inputIds) => Encode(inputIds, 0);

    /// <summary>The text embeddings, optionally from an earlier layer (diffusers' <c>clip_skip</c>).</summary>
    /// <param name="inputIds"><c>int64 [B,T]</c> token ids.</param>
    /// <param name="clipSkip">0 for the last layer; k takes the output of layer <c>L - k</c> (diffusers' <c>hidden_states[-(k+1)]</c>), then the final layer norm.</param>
    /// <returns><c>[B,T,hidden_size]</c>.</returns>
    public Tensor Encode(Tensor inputIds, int clipSkip)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        int layers = text_model.encoder.layers.Count;
        if (clipSkip < 0 || clipSkip >= layers)
        {
            throw new ArgumentOutOfRangeException(nameof(clipSkip), clipSkip, $"must be in [0, {layers - 1}]");
        }

        if (inputIds.dim() != 2 || inputIds.shape[1] > Config.MaxPositionEmbeddings)
        {
            throw new ArgumentException($"expected token ids [B,T<={Config.MaxPositionEmbeddings}], got [{string.Join(",", inputIds.shape)}]", nameof(inputIds));
        }

        using var scope = NewDisposeScope();
        Tensor weight = text_model.final_layer_norm.weight;
        Tensor ids = inputIds.to(ScalarType.Int64, weight.device);
        long length = ids.shape[1];
        Tensor hidden = text_model.embeddings.call(ids);
        Tensor blocked = ones(length, length, ScalarType.Bool, hidden.device).triu(1);
        for (int i = 0; i < layers - clipSkip; i++)
        {
            hidden = text_model.encoder.layers[i].call(hidden, blocked);
        }

        return text_model.final_layer_norm.call(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>Reads a transformers <c>CLIPTextModel</c> <c>config.json</c> (SD's <c>text_encoder/</c>).</summary>
    /// <param name="path">The file.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="InvalidInputException">Missing file or required key (hidden_size, intermediate_size, num_hidden_layers, num_attention_heads), wrong type, unsupported activation; the message names the file.</exception>
    public static ClipTextConfig ReadConfig(string path) => ReadConfig(ConfigJson.Load(path));

    internal static ClipTextConfig ReadConfig(ConfigJson c)
    {
        string? modelType = c.OptionalString("model_type");
        if (modelType is not null && modelType != "clip_text_model")
        {
            throw new InvalidInputException(c.File, $"model_type is '{modelType}', not clip_text_model (a CLIPTextModel config is needed)");
        }

        var d = new ClipTextConfig();
        var config = new ClipTextConfig
        {
            VocabSize = c.Int("vocab_size", d.VocabSize),
            HiddenSize = c.Int("hidden_size"),
            IntermediateSize = c.Int("intermediate_size"),
            NumHiddenLayers = c.Int("num_hidden_layers"),
            NumAttentionHeads = c.Int("num_attention_heads"),
            MaxPositionEmbeddings = c.Int("max_position_embeddings", d.MaxPositionEmbeddings),
            HiddenAct = c.String("hidden_act", d.HiddenAct),
            LayerNormEps = c.Double("layer_norm_eps", d.LayerNormEps),
            EosTokenId = c.Int("eos_token_id", d.EosTokenId),
        };
        config.Validate(c.File, "text_encoder");
        return config;
    }
}
