using TorchSharp.Modules;
using static TorchSharp.torch;

namespace XPaste.Clip;

/// <summary>The MLP activations CLIP configs name (<c>hidden_act</c>), as transformers' <c>ACT2FN</c> defines them.</summary>
internal static class ClipActivation
{
    public static readonly string[] Supported = ["quick_gelu", "gelu", "gelu_new", "gelu_pytorch_tanh", "relu"];

    public static bool IsSupported(string name) => Supported.Contains(name);

    public static Func<Tensor, Tensor> Get(string name) => name switch
    {
        // OpenAI's approximation, used by every original CLIP checkpoint.
        "quick_gelu" => x => x * nn.functional.sigmoid(x * 1.702),
        "gelu" => x => nn.functional.gelu(x),
        "gelu_new" or "gelu_pytorch_tanh" => x => nn.functional.gelu(x, GELU.Approximate.tanh),
        "relu" => x => nn.functional.relu(x),
        _ => throw new ArgumentException($"unsupported activation '{name}'", nameof(name)),
    };
}
