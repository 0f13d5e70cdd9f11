namespace XPaste.Coco;

/// <summary>
/// The categories of an instance source (a bank) do not match a dataset's by name: some are missing from it, or a
/// name matches several of its categories. Thrown by <see cref="CategoryMapping.Create"/>.
/// </summary>
public sealed class CategoryMismatchException : InvalidInputException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="input">The source (a bank folder).</param>
    /// <param name="problem">What does not match, with the names.</param>
    /// <param name="missing">The source category names the dataset lacks.</param>
    public CategoryMismatchException(string input, string problem, IReadOnlyList<string> missing)
        : base(input, problem)
    {
        Missing = missing;
    }

    /// <summary>The source category names the dataset lacks (empty for an ambiguous match).</summary>
    public IReadOnlyList<string> Missing { get; }
}
