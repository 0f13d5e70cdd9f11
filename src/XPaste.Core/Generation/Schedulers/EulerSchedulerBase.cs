using static TorchSharp.torch;

namespace XPaste.Generation.Schedulers;

/// <summary>What the two Euler schedulers share: the sigma tables and the timestep setup; each supplies its step.</summary>
public abstract class EulerSchedulerBase : INoiseScheduler
{
    private readonly EulerTables _tables;

    private protected EulerSchedulerBase(SchedulerConfig config, string className, bool ancestral)
    {
        ArgumentNullException.ThrowIfNull(config);
        ClassName = className;
        _tables = new EulerTables(config, className, ancestral);
    }

    /// <inheritdoc/>
    public string ClassName { get; }

    /// <inheritdoc/>
    public int NumTrainTimesteps => _tables.Schedule.NumTrainTimesteps;

    /// <inheritdoc/>
    public ISchedulerRun SetTimesteps(int numInferenceSteps)
    {
        var (timesteps, sigmas, init) = _tables.Make(numInferenceSteps);
        return CreateRun(_tables.Schedule.VPrediction, timesteps, sigmas, init);
    }

    private protected abstract EulerRun CreateRun(bool vPrediction, Tensor timesteps, float[] sigmas, double init);
}
