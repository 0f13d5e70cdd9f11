using TorchSharp.Modules;
using static TorchSharp.torch;

namespace XPaste.Clip;

/// <summary>The MLP activations CLIP configs name (<c>hidden_act</c>), as transformers' <c>ACT2FN</c> defines them.</summary>
internal static class ClipActivation
{
    public static readonly string[] Supported = ["quick_gelu", "gelu", "gelu_new", "gelu_pytorch_tanh", "relu"];

    /// <summary>
    /// The activation for an input the caller owns and no longer needs: quick_gelu and relu overwrite it (one new
    /// tensor instead of three for quick_gelu), the others return a new tensor.
    /// </summary>
    public static Func<Tensor, Tensor> GetInPlace(string name) => name switch
    {
        "quick_gelu" => QuickGeluInPlace,
        "relu" => x => x.relu_(),
        _ => Get(name),
    };

    private static Tensor QuickGeluInPlace(Tensor x)
    {
        using Tensor gate = x.mul(1.702);
        return x.mul_(gate.sigmoid_());
    }

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
