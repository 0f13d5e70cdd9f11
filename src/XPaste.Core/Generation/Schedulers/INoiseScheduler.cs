namespace XPaste.Generation.Schedulers;

/// <summary>
/// A diffusion sampler built from a scheduler config (diffusers' scheduler classes). The scheduler itself holds only
/// its configuration and tables; <see cref="SetTimesteps"/> starts a run whose state lives in the returned
/// <see cref="ISchedulerRun"/>, so nothing carries over between runs and one scheduler can serve concurrent runs.
/// </summary>
public interface INoiseScheduler
{
    /// <summary>The diffusers class this scheduler reproduces, e.g. <c>DPMSolverMultistepScheduler</c>.</summary>
    string ClassName { get; }

    /// <summary>Number of training timesteps (<c>num_train_timesteps</c>).</summary>
    int NumTrainTimesteps { get; }

    /// <summary>Starts a run of <paramref name="numInferenceSteps"/> denoising steps (diffusers' <c>set_timesteps</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numInferenceSteps"/> is not in [1, NumTrainTimesteps].</exception>
    ISchedulerRun SetTimesteps(int numInferenceSteps);
}
