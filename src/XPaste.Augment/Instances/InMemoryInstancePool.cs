using TorchSharp;
using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// An instance pool held in memory: RGBA cut-outs added by the caller (tests, benchmarks, small banks).
/// Owns the tensors added to it.
/// </summary>
public sealed class InMemoryInstancePool : IPasteInstancePool, IDisposable
{
    private readonly List<PasteInstanceInfo> _instances = [];
    private readonly List<Tensor> _pixels = [];
    private readonly SortedDictionary<int, List<int>> _byCategory = [];
    private int[]? _categories;

    /// <inheritdoc />
    public IReadOnlyList<PasteInstanceInfo> Instances => _instances;

    /// <inheritdoc />
    public IReadOnlyList<int> Categories => _categories ??= [.. _byCategory.Keys];

    /// <summary>Adds an instance; the pool takes ownership of <paramref name="rgba"/>.</summary>
    /// <param name="id">A stable id, unique in the pool.</param>
    /// <param name="categoryId">The instance's category.</param>
    /// <param name="rgba"><c>uint8</c> <c>[4,h,w]</c> RGBA pixels (alpha 0-255), any device (moved to the CPU).</param>
    /// <returns>The instance's index.</returns>
    public int Add(string id, int categoryId, Tensor rgba)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(rgba);
        if (rgba.dim() != 3 || rgba.shape[0] != 4 || rgba.dtype != ScalarType.Byte || rgba.shape[1] < 1 || rgba.shape[2] < 1)
        {
            throw new ArgumentException($"expected a uint8 [4,h,w] RGBA tensor, got {rgba.dtype} [{string.Join(",", rgba.shape)}]", nameof(rgba));
        }

        int index = _instances.Count;
        Tensor cpu = rgba.device_type == DeviceType.CPU ? rgba : rgba.cpu();
        if (!ReferenceEquals(cpu, rgba))
        {
            rgba.Dispose();
        }

        _pixels.Add(cpu.DetachFromDisposeScope());
        _instances.Add(new PasteInstanceInfo(id, categoryId, (int)cpu.shape[2], (int)cpu.shape[1]));
        if (!_byCategory.TryGetValue(categoryId, out List<int>? list))
        {
            list = [];
            _byCategory.Add(categoryId, list);
            _categories = null;
        }

        list.Add(index);
        return index;
    }

    /// <inheritdoc />
    public IReadOnlyList<int> InstancesOf(int categoryId) =>
        _byCategory.TryGetValue(categoryId, out List<int>? list) ? list : [];

    /// <inheritdoc />
    public Tensor Load(int index) => _pixels[index].clone();

    /// <summary>Releases the pixels.</summary>
    public void Dispose()
    {
        foreach (Tensor t in _pixels)
        {
            t.Dispose();
        }

        _pixels.Clear();
    }
}
