using TorchSharp;
using static TorchSharp.torch;

namespace XPaste.Generation.Schedulers;

/// <summary>
/// Step noise from one CPU generator per image, as diffusers draws it with a list of generators: image <c>i</c> draws
/// <c>randn(1, ...)</c> from generator <c>i</c>, so its picture does not depend on the rest of the batch.
/// </summary>
public sealed class GeneratorNoise : IStepNoise
{
    private readonly IReadOnlyList<Generator> _generators;

    /// <summary>Noise drawn from <paramref name="generators"/>, one per image of the batch.</summary>
    public GeneratorNoise(IReadOnlyList<Generator> generators)
    {
        ArgumentNullException.ThrowIfNull(generators);
        _generators = generators;
    }

    /// <inheritdoc/>
    public Tensor Draw(long[] shape, ScalarType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0 || shape[0] != _generators.Count)
        {
            throw new ArgumentException($"a batch of {(shape.Length == 0 ? 0 : shape[0])} needs as many generators, not {_generators.Count}", nameof(shape));
        }

        long[] one = [1, .. shape[1..]];
        using var scope = NewDisposeScope();
        var draws = _generators.Select(g => randn(one, ScalarType.Float32, CPU, generator: g)).ToArray();
        return cat(draws, 0).to(dtype).to(device).MoveToOuterDisposeScope();
    }
}
