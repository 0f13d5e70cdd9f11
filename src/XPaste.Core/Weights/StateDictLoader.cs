using System.Text;
using static TorchSharp.torch;

namespace XPaste.Weights;

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

        foreach (IDerivedWeightsCache cache in module.modules().OfType<IDerivedWeightsCache>())
        {
            cache.ForgetDerivedWeights();
        }

        return report;
    }
}
