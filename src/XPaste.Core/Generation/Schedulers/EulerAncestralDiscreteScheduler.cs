using static TorchSharp.torch;

namespace XPaste.Generation.Schedulers;

/// <summary>Euler ancestral (diffusers' <c>EulerAncestralDiscreteScheduler</c>): adds fresh noise every step.</summary>
public sealed class EulerAncestralDiscreteScheduler : EulerSchedulerBase
{
    /// <summary>The diffusers class name.</summary>
    public const string DiffusersName = "EulerAncestralDiscreteScheduler";

    /// <summary>Configures the scheduler from <paramref name="config"/> (missing keys take this class's defaults).</summary>
    /// <exception cref="InvalidInputException">A value is invalid or an unsupported option is on.</exception>
    public EulerAncestralDiscreteScheduler(SchedulerConfig config)
        : base(config, DiffusersName, ancestral: true)
    {
    }

    private protected override EulerRun CreateRun(bool vPrediction, Tensor timesteps, float[] sigmas, double init) =>
        new Run(vPrediction, timesteps, sigmas, init);

    private sealed class Run(bool vPrediction, Tensor timesteps, float[] sigmas, double init) : EulerRun(vPrediction, timesteps, sigmas, init)
    {
        protected override Tensor StepCore(Tensor modelOutput, Tensor sample, int index, IStepNoise? noise)
        {
            float sigmaFrom = SigmaValues![index];
            float sigmaTo = SigmaValues[index + 1];
            Tensor x0 = PredictX0(modelOutput, sample, sigmaFrom);
            float sigmaUp = MathF.Sqrt(sigmaTo * sigmaTo * ((sigmaFrom * sigmaFrom) - (sigmaTo * sigmaTo)) / (sigmaFrom * sigmaFrom));
            float sigmaDown = MathF.Sqrt((sigmaTo * sigmaTo) - (sigmaUp * sigmaUp));
            Tensor derivative = (sample - x0) / sigmaFrom;
            Tensor next = sample + (derivative * (sigmaDown - sigmaFrom));

            // Drawn every step, the last included (sigma_up 0), so each generator advances exactly as in diffusers.
            Tensor fresh = noise is null
                ? randn(modelOutput.shape, ScalarType.Float32, modelOutput.device)
                : noise.Draw(modelOutput.shape, ScalarType.Float32, modelOutput.device);
            return next + (fresh * sigmaUp);
        }
    }
}
