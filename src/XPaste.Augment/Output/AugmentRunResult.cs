namespace XPaste.Augment;

/// <summary>What an <see cref="AugmentRun"/> did.</summary>
/// <param name="OutputFolder">The output folder (full path).</param>
/// <param name="Images">Images in the finished dataset.</param>
/// <param name="Annotations">Annotations in the finished dataset.</param>
/// <param name="BatchesReused">Batches an earlier, interrupted run had completed, taken as they were.</param>
/// <param name="BatchesWritten">Batches computed and written by this run.</param>
/// <param name="AlreadyComplete">True when the folder already held this run's finished output, so nothing was done.</param>
public sealed record AugmentRunResult(string OutputFolder, int Images, long Annotations, int BatchesReused, int BatchesWritten, bool AlreadyComplete)
{
    /// <summary>The path of <c>annotations.json</c>.</summary>
    public string AnnotationsPath => Path.Combine(OutputFolder, AugmentRun.AnnotationsFileName);
}
