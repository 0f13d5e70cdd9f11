using XPaste.Abstractions;

namespace XPaste.Bank;

/// <summary>
/// One object cut-out in an <see cref="InstanceBank"/>: an RGBA PNG cropped to the object's tight box, with its
/// category and provenance. Immutable; the bank's manifest stores exactly these fields.
/// </summary>
public sealed record BankInstance
{
    /// <summary>
    /// A stable id: the first 16 hex digits of SHA-256 over source, extractor, category id and <see cref="ContentHash"/>,
    /// so the same cut-out from the same source always gets the same id, in any bank.
    /// </summary>
    public required string Id { get; init; }

    /// <summary>The category id (the dataset's id, e.g. the LVIS category id).</summary>
    public required int CategoryId { get; init; }

    /// <summary>The category name as the dataset writes it.</summary>
    public required string CategoryName { get; init; }

    /// <summary>The PNG's path relative to the bank folder, with <c>/</c> separators (e.g. <c>images/3/0a1b2c3d4e5f6789.png</c>).</summary>
    public required string File { get; init; }

    /// <summary>The stable key of what the cut-out was made from (e.g. <c>coco:instances.json/ann-17</c>); used to resume runs.</summary>
    public required string Source { get; init; }

    /// <summary>Where the pixels came from in human terms (a file path, a dataset file and annotation id), or null.</summary>
    public string? Origin { get; init; }

    /// <summary>What made the mask: an extractor's name (e.g. <c>u2net</c>) or <c>annotation</c> for dataset masks.</summary>
    public required string Extractor { get; init; }

    /// <summary>The zero-shot filter's score (CLIP: 100 x cosine similarity), or null when none was computed.</summary>
    public float? ClipScore { get; init; }

    /// <summary>
    /// When several extractors competed for this image: the zero-shot scores of the masks that lost, by extractor name
    /// (the winner is <see cref="Extractor"/> with <see cref="ClipScore"/>). Null in banks written before it existed,
    /// for dataset cut-outs and when no filter scored the candidates. Compared by reference in record equality.
    /// </summary>
    public IReadOnlyDictionary<string, float>? RunnerUpScores { get; init; }

    /// <summary>Width of the cut-out in pixels.</summary>
    public required int Width { get; init; }

    /// <summary>Height of the cut-out in pixels.</summary>
    public required int Height { get; init; }

    /// <summary>SHA-256 of the PNG file's bytes, lower-case hex.</summary>
    public required string ContentHash { get; init; }

    /// <summary>The category as a <see cref="CategoryInfo"/>.</summary>
    public CategoryInfo Category => new(CategoryId, CategoryName);
}
