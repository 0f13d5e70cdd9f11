using XPaste.Abstractions;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// The three multimask outputs of the latest call of a <see cref="SamExtractor"/> under <see cref="SamMaskChoice.All"/>,
/// kept until each of the three candidates has taken its own: the pipeline calls every candidate with the same images,
/// so SAM (and its prompt source) runs once for all three.
/// </summary>
/// <remarks>
/// A call matches the cached one when it has the same image tensors (same native handles, shapes and pixel sums) and
/// the same categories. A candidate asking again for what it already took, or for other images, runs SAM afresh and
/// replaces the cache (disposing what was not taken).
/// </remarks>
internal sealed class SamOutputCache : IDisposable
{
    private readonly SamExtractor _owner;
    private readonly Lock _gate = new();
    private Entry? _entry;

    public SamOutputCache(SamExtractor owner) => _owner = owner;

    /// <summary>How many times SAM ran for the candidates (for tests).</summary>
    internal int Runs { get; private set; }

    /// <summary>Output <paramref name="output"/> (0-2) of every image, owned by the caller.</summary>
    public IReadOnlyList<Tensor> Take(int output, IReadOnlyList<Tensor> images, IReadOnlyList<CategoryInfo> categories, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(categories);
        lock (_gate)
        {
            Key key = Key.Of(images, categories);
            if (_entry is null || _entry.Outputs[output] is null || !_entry.Key.Equals(key))
            {
                IReadOnlyList<Tensor>[] outputs = _owner.ExtractOutputs(images, categories, allOutputs: true, cancellationToken);
                Runs++;
                _entry?.Dispose();
                _entry = new Entry(key, outputs);
            }

            IReadOnlyList<Tensor> taken = _entry.Outputs[output]!;
            _entry.Outputs[output] = null;
            if (_entry.Outputs.All(o => o is null))
            {
                _entry = null;
            }

            return taken;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _entry?.Dispose();
            _entry = null;
        }
    }

    private sealed class Entry(Key key, IReadOnlyList<Tensor>?[] outputs) : IDisposable
    {
        public Key Key { get; } = key;

        public IReadOnlyList<Tensor>?[] Outputs { get; } = outputs;

        public void Dispose()
        {
            foreach (Tensor mask in Outputs.OfType<IReadOnlyList<Tensor>>().SelectMany(o => o))
            {
                mask.Dispose();
            }
        }
    }

    /// <summary>What identifies a call: each image's handle, shape and pixel sum, and the category ids and names.</summary>
    private sealed record Key(string Value)
    {
        public static Key Of(IReadOnlyList<Tensor> images, IReadOnlyList<CategoryInfo> categories)
        {
            var parts = new List<string>(images.Count + categories.Count);
            foreach (Tensor image in images)
            {
                using Tensor sum = image.sum(ScalarType.Int64);
                parts.Add($"{image.Handle}:{string.Join("x", image.shape)}:{sum.item<long>()}");
            }

            parts.AddRange(categories.Select(c => $"{c.Id}/{c.Name}"));
            return new Key(string.Join("|", parts));
        }
    }
}
