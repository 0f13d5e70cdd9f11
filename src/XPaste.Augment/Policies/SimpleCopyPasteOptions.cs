namespace XPaste.Augment;

/// <summary>Simple Copy-Paste's settings; defaults are the reference's.</summary>
public sealed class SimpleCopyPasteOptions
{
    /// <summary>
    /// Cap on the objects pasted from one source image: the count is uniform in [0, min(n + 1, this)) for a source with n
    /// objects. Default 100.
    /// </summary>
    public int MaxObjects { get; set; } = 100;

    /// <summary>How many source images are pasted per destination. Default 1.</summary>
    public int SourceImages { get; set; } = 1;

    /// <summary>
    /// Jitter each source image on its own (with <see cref="Jitter"/>; its output size is always the destination's).
    /// Default true; when false the source is only cropped or padded to the destination's size.
    /// </summary>
    public bool UseJitter { get; set; } = true;

    /// <summary>The sources' jitter (the output size is ignored: sources take the destination's). Default 0.1-2.0, flip 0.5.</summary>
    public LargeScaleJitterOptions Jitter { get; set; } = new();

    /// <summary>The problems of these values, empty when they are valid (read by the validator).</summary>
    internal IEnumerable<string> Problems()
    {
        if (MaxObjects < 1)
        {
            yield return $"{nameof(MaxObjects)} must be at least 1, got {MaxObjects}";
        }

        if (SourceImages is < 0 or > 64)
        {
            yield return $"{nameof(SourceImages)} must be in [0, 64], got {SourceImages}";
        }

        if (Jitter is null)
        {
            yield return $"{nameof(Jitter)} must not be null";
            yield break;
        }

        foreach (string problem in Jitter.Problems())
        {
            yield return $"{nameof(Jitter)}: {problem}";
        }
    }
}
