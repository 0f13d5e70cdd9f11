using TorchSharp;
using static TorchSharp.torch;

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

/// <summary>Source of the fresh noise that ancestral samplers add at each step.</summary>
public interface IStepNoise
{
    /// <summary>Standard normal noise of <paramref name="shape"/> (the batch first) in <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    Tensor Draw(long[] shape, ScalarType dtype, Device device);
}

/// <summary>
/// Step noise from one CPU generator per image, as diffusers draws it with a list of generators: image <c>i</c> draws
/// <c>randn(1, ...)</c> from generator <c>i</c>, so its picture does not depend on the rest of the batch.
/// </summary>
public sealed class GeneratorNoise : IStepNoise
{
    private readonly IReadOnlyList<Generator> _generators;

    /// <summary>Noise drawn from <paramref name="generators"/>, one per image of the batch.</summary>
    public GeneratorNoise(IReadOnlyList<Generator> generators)
    {
        ArgumentNullException.ThrowIfNull(generators);
        _generators = generators;
    }

    /// <inheritdoc/>
    public Tensor Draw(long[] shape, ScalarType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0 || shape[0] != _generators.Count)
        {
            throw new ArgumentException($"a batch of {(shape.Length == 0 ? 0 : shape[0])} needs as many generators, not {_generators.Count}", nameof(shape));
        }

        long[] one = [1, .. shape[1..]];
        using var scope = NewDisposeScope();
        var draws = _generators.Select(g => randn(one, ScalarType.Float32, CPU, generator: g)).ToArray();
        return cat(draws, 0).to(dtype).to(device).MoveToOuterDisposeScope();
    }
}
