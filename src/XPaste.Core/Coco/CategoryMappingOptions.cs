namespace XPaste.Coco;

/// <summary>How <see cref="CategoryMapping.Create"/> matches categories.</summary>
public sealed class CategoryMappingOptions
{
    /// <summary>What to do with source categories the dataset lacks. Default <see cref="MissingCategoryHandling.Refuse"/>.</summary>
    public MissingCategoryHandling Missing { get; set; } = MissingCategoryHandling.Refuse;

    /// <summary>Whether a dataset category's LVIS <c>synonyms</c> match too, after its <c>name</c>. Default true.</summary>
    public bool MatchSynonyms { get; set; } = true;
}
