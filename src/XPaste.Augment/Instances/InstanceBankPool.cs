using XPaste.Bank;
using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// An instance bank (<see cref="InstanceBankReader"/>) as a paste pool. The instance list is a snapshot taken at construction (so plan
/// indices stay valid while a writer adds to the bank); decoded cut-outs are kept in a bounded least-recently-used
/// cache, because a training run pastes the same instances many times. Thread-safe. Does not own the bank.
/// </summary>
/// <remarks>
/// Ownership: <see cref="Load"/> always returns a new tensor the caller owns, made like any TorchSharp result: attached
/// to the caller's current dispose scope when there is one, whether it came from the cache or from the file. The
/// cache's own copies are detached and freed by <see cref="Dispose"/>.
/// </remarks>
public sealed class InstanceBankPool : IPasteInstancePool, IDisposable
{
    private readonly InstanceBankReader _bank;
    private readonly BankInstance[] _instances;
    private readonly PasteInstanceInfo[] _infos;
    private readonly int[] _categories;
    private readonly Dictionary<int, int[]> _byCategory;
    private readonly long _cacheBytes;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, LinkedListNode<(int Index, Tensor Pixels)>> _cache = [];
    private readonly LinkedList<(int Index, Tensor Pixels)> _recent = new();
    private long _cachedBytes;

    /// <summary>Wraps a bank.</summary>
    /// <param name="bank">The bank, a reader or the writer; it must outlive the pool.</param>
    /// <param name="cacheBytes">Most bytes of decoded RGBA kept in memory. Default 512 MiB; 0 disables the cache.</param>
    public InstanceBankPool(InstanceBankReader bank, long cacheBytes = 512L << 20)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentOutOfRangeException.ThrowIfNegative(cacheBytes);
        _bank = bank;
        _cacheBytes = cacheBytes;
        _instances = [.. bank.Instances];
        _infos = [.. _instances.Select(i => new PasteInstanceInfo(i.Id, i.CategoryId, i.Width, i.Height))];
        _byCategory = _infos
            .Select((info, index) => (info.CategoryId, index))
            .GroupBy(p => p.CategoryId)
            .ToDictionary(g => g.Key, g => g.Select(p => p.index).ToArray());
        _categories = [.. _byCategory.Keys.Order()];
    }

    /// <summary>The bank.</summary>
    public InstanceBankReader Bank => _bank;

    /// <inheritdoc />
    public IReadOnlyList<PasteInstanceInfo> Instances => _infos;

    /// <inheritdoc />
    public IReadOnlyList<int> Categories => _categories;

    /// <inheritdoc />
    public IReadOnlyList<int> InstancesOf(int categoryId) => _byCategory.TryGetValue(categoryId, out int[]? members) ? members : [];

    /// <summary>Loads one instance's pixels, from the cache when it holds them (see the ownership rule in the remarks).</summary>
    /// <param name="index">The index into <see cref="Instances"/>.</param>
    /// <returns>A new <c>uint8</c> <c>[4,h,w]</c> RGBA CPU tensor, attached to the current dispose scope if any; the caller owns it.</returns>
    /// <exception cref="InvalidBankException">The instance's file is missing or does not match the manifest.</exception>
    public Tensor Load(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _instances.Length);
        lock (_gate)
        {
            if (_cache.TryGetValue(index, out LinkedListNode<(int Index, Tensor Pixels)>? node))
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                return node.Value.Pixels.clone();
            }
        }

        Tensor pixels = _bank.LoadImage(_instances[index]);
        long bytes = pixels.NumberOfElements;
        if (bytes > _cacheBytes)
        {
            return pixels;
        }

        lock (_gate)
        {
            if (!_cache.ContainsKey(index))
            {
                while (_cachedBytes + bytes > _cacheBytes && _recent.Last is { } last)
                {
                    _recent.RemoveLast();
                    _cache.Remove(last.Value.Index);
                    _cachedBytes -= last.Value.Pixels.NumberOfElements;
                    last.Value.Pixels.Dispose();
                }

                _cache.Add(index, _recent.AddFirst((index, pixels.clone().DetachFromDisposeScope())));
                _cachedBytes += bytes;
            }
        }

        return pixels;
    }

    /// <summary>Frees the cache.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach ((int _, Tensor pixels) in _recent)
            {
                pixels.Dispose();
            }

            _recent.Clear();
            _cache.Clear();
            _cachedBytes = 0;
        }
    }
}
