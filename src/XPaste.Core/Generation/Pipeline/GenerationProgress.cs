namespace XPaste.Generation;

/// <summary>Progress of a generation: denoising step <see cref="Step"/> of <see cref="TotalSteps"/> is done.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="TotalSteps">Model calls of the run (PNDM makes one more than the steps asked for).</param>
/// <param name="Images">Images in the batch.</param>
public readonly record struct GenerationProgress(int Step, int TotalSteps, int Images);
