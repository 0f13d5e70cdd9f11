using XPaste.Bank;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>Options for <see cref="BankExtractionStage"/>.</summary>
public sealed class BankExtractionOptions
{
    /// <summary>The shared default options.</summary>
    public static BankExtractionOptions Default { get; } = new();

    /// <summary>Images handed to the extractors (and the filter) together. Default 8.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Where images are moved before extraction (the extractors' device); null leaves them where the source puts them (the CPU). Default null.</summary>
    public Device? Device { get; init; }

    /// <summary>Selection and post-processing. Default <see cref="InstanceSelectorOptions.Default"/> (the reference).</summary>
    public InstanceSelectorOptions Selection { get; init; } = InstanceSelectorOptions.Default;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentNullException.ThrowIfNull(Selection, nameof(Selection));
    }
}

/// <summary>What one <see cref="BankExtractionStage.RunAsync"/> did.</summary>
/// <param name="Added">Instances written to the bank.</param>
/// <param name="Skipped">Images skipped because the bank had already processed them (a resumed run).</param>
/// <param name="Rejected">Images recorded as rejected (post-processing or zero-shot filter).</param>
/// <param name="AddedByExtractor">How many of the added instances each extractor's mask made.</param>
public sealed record BankExtractionResult(int Added, int Skipped, int Rejected, IReadOnlyDictionary<string, int> AddedByExtractor)
{
    /// <summary>How many images were rejected for each cause (<see cref="BankRejection.ReasonKind"/>, e.g. <c>mask area # &lt; 0.05</c>).</summary>
    public IReadOnlyDictionary<string, int> RejectedByReason { get; init; } = new Dictionary<string, int>();
}
