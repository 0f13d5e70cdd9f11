using static TorchSharp.torch;

namespace XPaste.Generation.Schedulers;

/// <summary>
/// One denoising run: its timesteps and the solver state. Call <see cref="ScaleModelInput"/> then <see cref="Step"/>
/// once per entry of <see cref="Timesteps"/>, in order.
/// </summary>
public interface ISchedulerRun : IDisposable
{
    /// <summary>The timesteps of the run on the CPU (int64, or float32 for the Euler family), one per model call.</summary>
    Tensor Timesteps { get; }

    /// <summary>The sigmas of the run on the CPU (float32, one more than the steps), or null for DDIM/PNDM.</summary>
    Tensor? Sigmas { get; }

    /// <summary>The standard deviation of the initial noise: initial latents are multiplied by it.</summary>
    double InitNoiseSigma { get; }

    /// <summary>How many model calls the run takes (the length of <see cref="Timesteps"/>).</summary>
    int StepCount { get; }

    /// <summary>The index of the next step (0 before the first).</summary>
    int StepIndex { get; }

    /// <summary>The timestep of the next step, as a 0-d CPU tensor of <see cref="Timesteps"/>' dtype.</summary>
    Tensor CurrentTimestep { get; }

    /// <summary>Scales the model input for the next step (identity except for the Euler family).</summary>
    Tensor ScaleModelInput(Tensor sample);

    /// <summary>
    /// Advances <paramref name="sample"/> by one step given the model's output for it; returns the new sample in the
    /// model output's dtype. <paramref name="noise"/> feeds the ancestral samplers (ignored by the others).
    /// </summary>
    /// <exception cref="InvalidOperationException">Every step of the run was already taken.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716", Justification = "diffusers' name for the update; familiar to users.")]
    Tensor Step(Tensor modelOutput, Tensor sample, IStepNoise? noise = null);
}
