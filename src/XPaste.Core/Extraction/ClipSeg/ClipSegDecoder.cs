using TorchSharp.Modules;
using XPaste.Clip;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// One decoder block (transformers' <c>CLIPSegDecoderLayer</c>): unlike CLIP's blocks it is POST-norm,
/// <c>x = LN1(x + attn(x)); x = LN2(x + fc2(relu(fc1(x))))</c>. The MLP is ReLU whatever the config's
/// <c>decoder_hidden_act</c> says (the reference overrides it).
/// </summary>
internal sealed class ClipSegDecoderLayer : nn.Module<Tensor, Tensor>
{
    internal readonly ClipAttention self_attn;
    internal readonly ClipLayerNorm layer_norm1;
    internal readonly ClipMlp mlp;
    internal readonly ClipLayerNorm layer_norm2;

    public ClipSegDecoderLayer(ClipSegConfig config, Device? device) : base(nameof(ClipSegDecoderLayer))
    {
        // The reference takes the decoder's layer-norm eps from the vision config.
        double eps = config.Clip.Vision.LayerNormEps;
        self_attn = new ClipAttention(config.ReduceDim, config.DecoderNumAttentionHeads, device);
        layer_norm1 = new ClipLayerNorm(config.ReduceDim, eps, device);
        mlp = new ClipMlp(config.ReduceDim, config.DecoderIntermediateSize, "relu", device);
        layer_norm2 = new ClipLayerNorm(config.ReduceDim, eps, device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        Tensor x = layer_norm1.call(hidden + self_attn.call(hidden, null));
        x = layer_norm2.call(x + mlp.call(x));
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// CLIPSeg's decoder (transformers' <c>CLIPSegDecoder</c>): reduces the extracted vision activations to
/// <c>reduce_dim</c>, deepest first, adding each to the previous step's output; conditions on the text with FiLM at
/// <c>conditional_layer</c>; drops the class token and upsamples the patch grid to pixels with transposed convolutions.
/// </summary>
internal sealed class ClipSegDecoder : nn.Module
{
    internal readonly Linear film_mul;
    internal readonly Linear film_add;
    internal readonly nn.Module<Tensor, Tensor> transposed_convolution;
    internal readonly ModuleList<Linear> reduces;
    internal readonly ModuleList<ClipSegDecoderLayer> layers;
    private readonly int _conditionalLayer;

    public ClipSegDecoder(ClipSegConfig config, Device? device) : base(nameof(ClipSegDecoder))
    {
        _conditionalLayer = config.ConditionalLayer;
        int reduce = config.ReduceDim, patch = config.Clip.Vision.PatchSize, depth = config.ExtractLayers.Count;
        film_mul = nn.Linear(config.Clip.ProjectionDim, reduce, device: device);
        film_add = nn.Linear(config.Clip.ProjectionDim, reduce, device: device);
        if (config.UseComplexTransposedConvolution)
        {
            // Named 0..4 like nn.Sequential; 1 and 3 are weightless ReLUs.
            int quarter = patch / 4;
            transposed_convolution = nn.Sequential(
                nn.Conv2d(reduce, reduce, 3, padding: 1, device: device),
                nn.ReLU(),
                nn.ConvTranspose2d(reduce, reduce / 2, quarter, stride: quarter, device: device),
                nn.ReLU(),
                nn.ConvTranspose2d(reduce / 2, 1, quarter, stride: quarter, device: device));
        }
        else
        {
            transposed_convolution = nn.ConvTranspose2d(reduce, 1, patch, stride: patch, device: device);
        }

        reduces = new ModuleList<Linear>(Enumerable.Range(0, depth).Select(_ => nn.Linear(config.Clip.Vision.HiddenSize, reduce, device: device)).ToArray());
        layers = new ModuleList<ClipSegDecoderLayer>(Enumerable.Range(0, depth).Select(_ => new ClipSegDecoderLayer(config, device)).ToArray());
        RegisterComponents();
    }

    /// <param name="activations">The extracted vision layers' outputs <c>[B,1+g^2,C]</c>, in <c>extract_layers</c> order.</param>
    /// <param name="conditional">The text's projected embedding <c>[B,D]</c> (not normalised).</param>
    /// <param name="trace">Receives the intermediates under the fixture's names when not null.</param>
    /// <returns>The logits <c>[B, g*patch, g*patch]</c>.</returns>
    public Tensor Forward(IReadOnlyList<Tensor> activations, Tensor conditional, IDictionary<string, Tensor>? trace)
    {
        using var scope = NewDisposeScope();
        Tensor? output = null;
        for (int j = 0; j < layers.Count; j++)
        {
            // Deepest activation first.
            Tensor reduced = reduces[j].call(activations[activations.Count - 1 - j]);
            output = output is null ? reduced : reduced + output;
            if (j == _conditionalLayer)
            {
                // FiLM per image, over every token (class token included).
                output = film_mul.call(conditional).unsqueeze(1) * output + film_add.call(conditional).unsqueeze(1);
            }

            Trace(trace, $"decoder_layer_input_{j}", output);
            output = layers[j].call(output);
            Trace(trace, $"decoder_layer_output_{j}", output);
        }

        long batch = output!.shape[0], tokens = output.shape[1] - 1, channels = output.shape[2];
        long grid = (long)Math.Round(Math.Sqrt(tokens));
        Tensor map = output.narrow(1, 1, tokens).transpose(1, 2).reshape(batch, channels, grid, grid);
        Trace(trace, "decoder_feature_map", map);
        return transposed_convolution.call(map).squeeze(1).MoveToOuterDisposeScope();
    }

    internal static void Trace(IDictionary<string, Tensor>? trace, string name, Tensor value)
    {
        if (trace is not null)
        {
            trace[name] = value.clone().DetachFromDisposeScope();
        }
    }
}
