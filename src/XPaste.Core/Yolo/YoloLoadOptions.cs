namespace XPaste.Yolo;

/// <summary>Options for <see cref="YoloDataset.Load(string, YoloLoadOptions?)"/>.</summary>
public sealed class YoloLoadOptions
{
    /// <summary>The defaults.</summary>
    public static YoloLoadOptions Default { get; } = new();

    /// <summary>Which split of <c>data.yaml</c> to read: <c>train</c> (default), <c>val</c> or <c>test</c>.</summary>
    public string Split { get; init; } = "train";

    /// <summary>
    /// Leave out label lines that cannot be used (listed in <see cref="YoloDataset.SkippedLabels"/>) instead of
    /// refusing the dataset. Default false: the first bad line throws, naming its file and line.
    /// </summary>
    public bool SkipBadLabels { get; init; }

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new YoloLoadOptionsValidator(), this);
}
