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
