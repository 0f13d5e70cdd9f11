namespace XPaste.Augment;

/// <summary>
/// Thrown when an <see cref="AugmentRun"/>'s output folder holds another run's output: one made with different
/// settings or inputs (<see cref="Differences"/> names them), or files that no resumable run recorded. Nothing is
/// written; write to another folder, or set <see cref="AugmentRunOptions.Overwrite"/> to discard the old output.
/// </summary>
public sealed class AugmentRunConflictException : InvalidInputException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="folder">The output folder.</param>
    /// <param name="problem">What is in the way.</param>
    /// <param name="differences">The settings that differ; empty when the folder's files belong to no recorded run.</param>
    public AugmentRunConflictException(string folder, string problem, IReadOnlyList<AugmentRunSettingChange> differences)
        : base(folder, problem)
    {
        ArgumentNullException.ThrowIfNull(differences);
        Folder = folder;
        Differences = differences;
    }

    /// <summary>The output folder.</summary>
    public string Folder { get; }

    /// <summary>The settings whose recorded value differs from this run's, in name order.</summary>
    public IReadOnlyList<AugmentRunSettingChange> Differences { get; }
}
