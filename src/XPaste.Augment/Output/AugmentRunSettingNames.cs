namespace XPaste.Augment;

/// <summary>
/// The names an <see cref="AugmentRun"/> records its settings under (and reports in
/// <see cref="AugmentRunConflictException.Differences"/>), to map a difference back to what the user set. The
/// augmenter's options are recorded under their property paths (<c>Seed</c>, <c>BatchSize</c>,
/// <c>Jitter.OutputWidth</c>, <c>Kernel.Blending</c>: use <c>nameof</c> and <see cref="Path"/>), the run's writer
/// options under <see cref="WriterPrefix"/>, and <see cref="AugmentRunOptions.Inputs"/> under the caller's names.
/// </summary>
public static class AugmentRunSettingNames
{
    /// <summary>The policy's type (a custom policy, or the built-in one <see cref="XPasteOptions.Policy"/> chose).</summary>
    public const string PolicyType = "PolicyType";

    /// <summary><see cref="AugmentRunOptions.Count"/>.</summary>
    public const string Count = "Count";

    /// <summary>The preview settings (<see cref="AugmentRunOptions.WritePreview"/> and the tile settings).</summary>
    public const string Preview = "Preview";

    /// <summary>The destination images' ids, sizes and object counts.</summary>
    public const string Dataset = "Dataset";

    /// <summary>The instance pool's ids, categories and sizes.</summary>
    public const string Pool = "Pool";

    /// <summary>The per-category size statistics.</summary>
    public const string SizeStatistics = "SizeStatistics";

    /// <summary>The output's COCO categories.</summary>
    public const string Categories = "Categories";

    /// <summary>The XPaste.Augment version that made the run.</summary>
    public const string XPasteVersion = "XPasteVersion";

    /// <summary>The prefix of <see cref="AugmentRunOptions.Writer"/>'s settings, e.g. <c>Writer.Format</c>.</summary>
    public const string WriterPrefix = "Writer.";

    /// <summary>The name of a nested option, e.g. <c>Path(nameof(XPasteOptions.Jitter), nameof(LargeScaleJitterOptions.OutputWidth))</c>.</summary>
    /// <param name="parts">Property names from the outermost options class inwards.</param>
    /// <returns>The dotted path.</returns>
    public static string Path(params string[] parts) => string.Join('.', parts);
}
