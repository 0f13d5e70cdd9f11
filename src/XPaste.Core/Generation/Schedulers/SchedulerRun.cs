using static TorchSharp.torch;

namespace XPaste.Generation.Schedulers;

/// <summary>
/// What every run shares: the timesteps, the step counter and the float32 upcast around the update (diffusers steps
/// on <c>sample.float()</c> and returns the model output's dtype). Solver state tensors are kept out of the caller's
/// dispose scopes and freed when replaced or when the run is disposed.
/// </summary>
internal abstract class SchedulerRun : ISchedulerRun
{
    private readonly Tensor[] _timestepItems;
    private bool _disposed;

    protected SchedulerRun(Tensor timesteps, float[]? sigmas, double initNoiseSigma)
    {
        Timesteps = timesteps.DetachFromDisposeScope();
        SigmaValues = sigmas;
        Sigmas = sigmas is null ? null : tensor(sigmas).DetachFromDisposeScope();
        InitNoiseSigma = initNoiseSigma;
        StepCount = (int)timesteps.shape[0];
        _timestepItems = Enumerable.Range(0, StepCount).Select(i => Timesteps[i].DetachFromDisposeScope()).ToArray();
    }

    public Tensor Timesteps { get; }

    public Tensor? Sigmas { get; }

    public double InitNoiseSigma { get; }

    public int StepCount { get; }

    public int StepIndex { get; private set; }

    public Tensor CurrentTimestep => _timestepItems[Math.Min(StepIndex, StepCount - 1)];

    /// <summary>The sigmas as float32 values (null for DDIM/PNDM).</summary>
    protected float[]? SigmaValues { get; }

    public virtual Tensor ScaleModelInput(Tensor sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return sample.alias();
    }

    public Tensor Step(Tensor modelOutput, Tensor sample, IStepNoise? noise = null)
    {
        ArgumentNullException.ThrowIfNull(modelOutput);
        ArgumentNullException.ThrowIfNull(sample);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (StepIndex >= StepCount)
        {
            throw new InvalidOperationException($"all {StepCount} steps of this run were already taken");
        }

        using (var scope = NewDisposeScope())
        {
            Tensor output = modelOutput.to(ScalarType.Float32);
            Tensor x = sample.to(ScalarType.Float32);
            Tensor next = StepCore(output, x, StepIndex, noise).to(modelOutput.dtype);
            StepIndex++;
            return next.MoveToOuterDisposeScope();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        DisposeState();
        foreach (Tensor t in _timestepItems)
        {
            t.Dispose();
        }

        Timesteps.Dispose();
        Sigmas?.Dispose();
    }

    /// <summary>One update in float32; <paramref name="index"/> is the step being taken.</summary>
    protected abstract Tensor StepCore(Tensor modelOutput, Tensor sample, int index, IStepNoise? noise);

    /// <summary>Frees the solver's kept tensors.</summary>
    protected virtual void DisposeState()
    {
    }

    /// <summary>Keeps <paramref name="t"/> beyond the current dispose scope (the run frees it).</summary>
    protected static Tensor Keep(Tensor t) => t.alias().DetachFromDisposeScope();
}
