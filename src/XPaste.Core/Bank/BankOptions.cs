using Microsoft.Extensions.Options;
namespace XPaste.Bank;

/// <summary>How an <see cref="InstanceBank"/> opened for writing commits and tidies its manifest.</summary>
public sealed class BankOptions
{
    /// <summary>The defaults.</summary>
    public static BankOptions Default { get; } = new();

    /// <summary>
    /// <see cref="InstanceBank.Add"/> and <see cref="InstanceBank.Reject"/> commit by themselves once this many entries
    /// are pending (one manifest segment per commit). Default 64. <see cref="InstanceBank.AddRange"/> always commits its batch.
    /// </summary>
    public int CommitEvery { get; init; } = 64;

    /// <summary>When a commit leaves more manifest segments than this, they are merged into one. Default 64.</summary>
    public int MaxSegments { get; init; } = 64;

    /// <summary>Merge all manifest segments into one when the writer is disposed. Default true.</summary>
    public bool CompactOnDispose { get; init; } = true;

    /// <summary>
    /// On opening for writing, delete PNGs under <c>images/</c> that no committed entry references (left by a run that
    /// stopped between writing a PNG and committing it) and leftover temporary files. Default true.
    /// </summary>
    public bool RemoveOrphans { get; init; } = true;

    /// <summary>How many cut-outs <see cref="InstanceBank.AddRange"/> encodes to PNG at once. Default: the processor count.</summary>
    public int EncodeParallelism { get; init; } = Environment.ProcessorCount;

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new BankOptionsValidator(), this);
}

/// <summary>Validates <see cref="BankOptions"/> (the <see cref="IValidateOptions{TOptions}"/> pattern: register it to check the options at start).</summary>
internal sealed class BankOptionsValidator : IValidateOptions<BankOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, BankOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        BankOptions o = options;
        var problems = new List<string>();
        if (o.CommitEvery < 1)
        {
            problems.Add($"CommitEvery must be at least 1, got {o.CommitEvery}");
        }

        if (o.MaxSegments < 1)
        {
            problems.Add($"MaxSegments must be at least 1, got {o.MaxSegments}");
        }

        if (o.EncodeParallelism < 1)
        {
            problems.Add($"EncodeParallelism must be at least 1, got {o.EncodeParallelism}");
        }

        return OptionsValidation.Result(problems);
    }
}
