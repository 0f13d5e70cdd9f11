using Microsoft.Extensions.Options;
namespace XPaste.Bank;

/// <summary>Settings of <see cref="BankBuilder"/>.</summary>
public sealed class BankBuilderOptions
{
    /// <summary>Cut-outs committed to the bank together (one manifest segment, PNGs encoded in parallel). Default 64.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>A mask pixel is foreground when above this value. Default 128.</summary>
    public byte MaskThreshold { get; init; } = 128;

    /// <summary>Masks with fewer foreground pixels are recorded as rejected instead of added. Default 1 (only empty masks).</summary>
    public int MinPixels { get; init; } = 1;

    /// <summary>The <see cref="BankInstance.Extractor"/> recorded for masks that came with the source. Default <c>annotation</c>.</summary>
    public string Extractor { get; init; } = "annotation";

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new BankBuilderOptionsValidator(), this);
}

/// <summary>What one <see cref="BankBuilder.AddAsync"/> run did.</summary>
/// <param name="Added">Instances added to the bank.</param>
/// <param name="Skipped">Candidates skipped because the bank had already processed them (a resumed run).</param>
/// <param name="Rejected">Candidates recorded as rejected (empty or too small mask).</param>
public sealed record BankBuildResult(int Added, int Skipped, int Rejected);

/// <summary>Validates <see cref="BankBuilderOptions"/> (the <see cref="IValidateOptions{TOptions}"/> pattern: register it to check the options at start).</summary>
internal sealed class BankBuilderOptionsValidator : IValidateOptions<BankBuilderOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, BankBuilderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        BankBuilderOptions o = options;
        var problems = new List<string>();
        if (o.BatchSize < 1)
        {
            problems.Add($"BatchSize must be at least 1, got {o.BatchSize}");
        }

        if (o.MinPixels < 1)
        {
            problems.Add($"MinPixels must be at least 1, got {o.MinPixels}");
        }

        if (string.IsNullOrEmpty(o.Extractor))
        {
            problems.Add("Extractor must be set");
        }

        return OptionsValidation.Result(problems);
    }
}
