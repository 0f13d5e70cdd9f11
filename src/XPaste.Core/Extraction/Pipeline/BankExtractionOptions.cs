using Microsoft.Extensions.Options;
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

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new BankExtractionOptionsValidator(), this);
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

/// <summary>Validates <see cref="BankExtractionOptions"/> (the <see cref="IValidateOptions{TOptions}"/> pattern: register it to check the options at start).</summary>
internal sealed class BankExtractionOptionsValidator : IValidateOptions<BankExtractionOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, BankExtractionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        BankExtractionOptions o = options;
        var problems = new List<string>();
        if (o.BatchSize < 1)
        {
            problems.Add($"BatchSize must be at least 1, got {o.BatchSize}");
        }

        if (o.Selection is null)
        {
            problems.Add("Selection must not be null");
        }

        return OptionsValidation.Result(problems);
    }
}
