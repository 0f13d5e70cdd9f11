namespace XPaste.Coco;

/// <summary>What <see cref="CategoryMapping.Create"/> does with categories of the source that the dataset lacks.</summary>
public enum MissingCategoryHandling
{
    /// <summary>Refuse with <see cref="CategoryMismatchException"/>, which lists them (the default: nothing is mislabelled silently).</summary>
    Refuse,

    /// <summary>Add them to the output's categories with new ids after the dataset's highest.</summary>
    Add,
}
