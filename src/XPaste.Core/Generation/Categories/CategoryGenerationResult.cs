namespace XPaste.Generation.Categories;

/// <summary>What <see cref="CategoryImageGenerator.Run"/> did.</summary>
/// <param name="Generated">Images made by this run.</param>
/// <param name="Kept">Images that were already there and were kept.</param>
public sealed record CategoryGenerationResult(int Generated, int Kept);
