namespace XPaste.Augment;

/// <summary>Settings of an <see cref="AugmentRun"/>.</summary>
public sealed class AugmentRunOptions
{
    /// <summary>How many augmented images the run writes. Default 16.</summary>
    public int Count { get; init; } = 16;

    /// <summary>Image format and file layout. Default <see cref="CocoPasteWriterOptions"/>'s defaults.</summary>
    public CocoPasteWriterOptions Writer { get; init; } = new();

    /// <summary>
    /// Discard whatever an earlier run left in the output folder (its images, <c>annotations.json</c>,
    /// <c>plans.jsonl</c>, <c>preview.png</c> and progress files; nothing else) and start again. Default false: resume a
    /// run made with the same settings, finish nothing when it is already complete, and refuse one made with others.
    /// </summary>
    public bool Overwrite { get; init; }

    /// <summary>
    /// The identity of inputs the augmenter cannot describe itself, by name, e.g. a dataset file's hash or an image
    /// folder's path. They are recorded with the run and must be equal for it to resume; a difference is reported under
    /// its name. The run describes the rest itself: the augmenter's options, its dataset's and pool's contents (ids and
    /// sizes), the size statistics, the categories, <see cref="Count"/>, <see cref="Writer"/> and the preview settings.
    /// Default none.
    /// </summary>
    public IReadOnlyDictionary<string, string> Inputs { get; init; } = new Dictionary<string, string>();

    /// <summary>Draw the first batch into <c>preview.png</c> with <see cref="PreviewMosaic"/>. Default true.</summary>
    public bool WritePreview { get; init; } = true;

    /// <summary>The preview's tiles per row. Default 4.</summary>
    public int PreviewColumns { get; init; } = 4;

    /// <summary>The longer side of each preview tile in pixels. Default 320.</summary>
    public int PreviewTileSize { get; init; } = 320;

    /// <summary>Most samples in the preview (at most one batch). Default 16.</summary>
    public int PreviewImages { get; init; } = 16;

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new AugmentRunOptionsValidator(), this);
}
