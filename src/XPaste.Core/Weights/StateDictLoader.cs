using System.Text;
using static TorchSharp.torch;

namespace XPaste.Weights;

/// <summary>What happened when a checkpoint was loaded into a module.</summary>
public sealed class WeightLoadReport
{
    internal WeightLoadReport(string source, IReadOnlyList<string> loaded, IReadOnlyList<string> missing,
        IReadOnlyList<string> unexpected, IReadOnlyList<ShapeMismatch> mismatched)
    {
        Source = source;
        Loaded = loaded;
        Missing = missing;
        Unexpected = unexpected;
        Mismatched = mismatched;
    }

    /// <summary>The checkpoint's name (usually its path).</summary>
    public string Source { get; }

    /// <summary>Module tensors that were filled from the checkpoint.</summary>
    public IReadOnlyList<string> Loaded { get; }

    /// <summary>Module tensors the checkpoint lacks (they keep their initial values).</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Checkpoint tensors the module has no place for.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>Tensors present on both sides with different shapes (not loaded).</summary>
    public IReadOnlyList<ShapeMismatch> Mismatched { get; }

    /// <summary>True when every module tensor was loaded and nothing was left over or mis-shaped.</summary>
    public bool IsExact => Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Source).Append(": loaded ").Append(Loaded.Count).Append(" tensors");
        Append(text, "missing from the checkpoint", Missing);
        Append(text, "unexpected in the checkpoint", Unexpected);
        Append(text, "with the wrong shape", Mismatched.Select(m => m.ToString()).ToList());
        return text.ToString();
    }

    private static void Append(StringBuilder text, string label, IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            return;
        }

        const int shown = 20;
        text.Append("; ").Append(names.Count).Append(' ').Append(label).Append(": ")
            .Append(string.Join(", ", names.Take(shown)));
        if (names.Count > shown)
        {
            text.Append(", ... (").Append(names.Count - shown).Append(" more)");
        }
    }
}

/// <summary>A tensor whose checkpoint shape differs from the module's.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="Expected">The module's shape.</param>
/// <param name="Actual">The checkpoint's shape.</param>
public sealed record ShapeMismatch(string Name, long[] Expected, long[] Actual)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name} (module [{string.Join(",", Expected)}], checkpoint [{string.Join(",", Actual)}])";
}

/// <summary>Options for <see cref="StateDictLoader"/>.</summary>
public sealed class StateDictLoadOptions
{
    /// <summary>The shared default options (strict).</summary>
    public static StateDictLoadOptions Default { get; } = new();

    /// <summary>Throw <see cref="WeightsMismatchException"/> unless the load is exact. Default true.</summary>
    public bool Strict { get; init; } = true;

    /// <summary>Names (on either side) to leave out of the comparison, e.g. buffers some checkpoints carry.</summary>
    public Func<string, bool>? Ignore { get; init; }
}

/// <summary>
/// Copies a checkpoint's tensors into a module by name, the way PyTorch's <c>load_state_dict</c> does, but
/// reports every missing, unexpected and mis-shaped tensor at once instead of failing on the first.
/// </summary>
public static class StateDictLoader
{
    /// <summary>Loads a checkpoint file (<see cref="StateDictFile.Load"/>) into <paramref name="module"/>.</summary>
    /// <param name="module">The module; its parameters keep their device and dtype.</param>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="options">Strictness and names to ignore.</param>
    /// <returns>What was loaded, missing, unexpected and mis-shaped.</returns>
    public static WeightLoadReport Load(nn.Module module, string path, StateDictLoadOptions? options = null)
    {
        Dictionary<string, Tensor> weights = StateDictFile.Load(path);
        try
        {
            return Load(module, weights, path, options);
        }
        finally
        {
            foreach (Tensor t in weights.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>Loads tensors already in memory into <paramref name="module"/>.</summary>
    /// <param name="module">The module; its parameters keep their device and dtype.</param>
    /// <param name="weights">The checkpoint tensors by name (not disposed here).</param>
    /// <param name="source">The checkpoint's name for the report and exceptions.</param>
    /// <param name="options">Strictness and names to ignore.</param>
    /// <returns>What was loaded, missing, unexpected and mis-shaped.</returns>
    /// <exception cref="WeightsMismatchException">Strict loading and the checkpoint does not fit exactly; nothing is copied.</exception>
    public static WeightLoadReport Load(nn.Module module, IReadOnlyDictionary<string, Tensor> weights, string source, StateDictLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(weights);
        options ??= StateDictLoadOptions.Default;
        Runtime.NativeAllocator.Configure(); // every model comes through here before its first call
        Func<string, bool> ignore = options.Ignore ?? (_ => false);

        Dictionary<string, Tensor> targets = module.state_dict();
        var loaded = new List<string>();
        var missing = new List<string>();
        var mismatched = new List<ShapeMismatch>();
        var pairs = new List<(Tensor Target, Tensor Source)>();
        foreach (var (name, target) in targets)
        {
            if (ignore(name))
            {
                continue;
            }

            if (!weights.TryGetValue(name, out Tensor? value))
            {
                missing.Add(name);
            }
            else if (!target.shape.SequenceEqual(value.shape))
            {
                mismatched.Add(new ShapeMismatch(name, target.shape, value.shape));
            }
            else
            {
                pairs.Add((target, value));
                loaded.Add(name);
            }
        }

        var unexpected = weights.Keys.Where(k => !targets.ContainsKey(k) && !ignore(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var report = new WeightLoadReport(source, loaded, missing, unexpected, mismatched);
        if (options.Strict && !report.IsExact)
        {
            throw new WeightsMismatchException(report);
        }

        using (no_grad())
        {
            foreach (var (target, value) in pairs)
            {
                target.copy_(value);
            }
        }

        return report;
    }
}
