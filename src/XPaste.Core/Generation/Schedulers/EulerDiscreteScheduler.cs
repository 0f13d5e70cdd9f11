using static TorchSharp.torch;

namespace XPaste.Generation.Schedulers;

/// <summary>Euler (diffusers' <c>EulerDiscreteScheduler</c>, no churn): fractional timesteps, sigma-space updates.</summary>
public sealed class EulerDiscreteScheduler : EulerSchedulerBase
{
    /// <summary>The diffusers class name.</summary>
    public const string DiffusersName = "EulerDiscreteScheduler";

    /// <summary>Configures the scheduler from <paramref name="config"/> (missing keys take this class's defaults).</summary>
    /// <exception cref="InvalidInputException">A value is invalid or an unsupported option is on.</exception>
    public EulerDiscreteScheduler(SchedulerConfig config)
        : base(config, DiffusersName, ancestral: false)
    {
    }

    private protected override EulerRun CreateRun(bool vPrediction, Tensor timesteps, float[] sigmas, double init) =>
        new Run(vPrediction, timesteps, sigmas, init);

    private sealed class Run(bool vPrediction, Tensor timesteps, float[] sigmas, double init) : EulerRun(vPrediction, timesteps, sigmas, init)
    {
        protected override Tensor StepCore(Tensor modelOutput, Tensor sample, int index, IStepNoise? noise)
        {
            float sigma = SigmaValues![index];
            Tensor x0 = PredictX0(modelOutput, sample, sigma);
            Tensor derivative = (sample - x0) / sigma;
            return sample + (derivative * (SigmaValues[index + 1] - sigma));
        }
    }
}

/// <summary>The Euler family's input scaling and clean-sample prediction.</summary>
internal abstract class EulerRun(bool vPrediction, Tensor timesteps, float[] sigmas, double init)
    : SchedulerRun(timesteps, sigmas, init)
{
    public override Tensor ScaleModelInput(Tensor sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        float sigma = SigmaValues![Math.Min(StepIndex, StepCount - 1)];
        return sample / MathF.Sqrt((sigma * sigma) + 1f);
    }

    protected Tensor PredictX0(Tensor modelOutput, Tensor sample, float sigma) => vPrediction
        ? (modelOutput * (-sigma / MathF.Sqrt((sigma * sigma) + 1f))) + (sample / ((sigma * sigma) + 1f))
        : sample - (modelOutput * sigma);
}

/// <summary>Timesteps and sigmas of the Euler family, as diffusers computes them (numpy float64, then float32).</summary>
internal sealed class EulerTables
{
    private readonly bool _karras;
    private readonly double? _sigmaMin;
    private readonly double? _sigmaMax;
    private readonly bool _finalSigmaMin;

    public EulerTables(SchedulerConfig config, string className, bool ancestral)
    {
        Schedule = NoiseSchedule.Read(config, className, "linspace");
        if (!ancestral)
        {
            config.GetString("interpolation_type", "linear", "linear");
            config.GetString("timestep_type", "discrete", "discrete");
            _karras = config.GetBool("use_karras_sigmas", false);
            _sigmaMin = config.GetNullableDouble("sigma_min");
            _sigmaMax = config.GetNullableDouble("sigma_max");
            _finalSigmaMin = config.GetString("final_sigmas_type", "zero", "zero", "sigma_min") == "sigma_min";
            foreach (string flag in new[] { "use_exponential_sigmas", "use_beta_sigmas" })
            {
                if (config.GetBool(flag, false))
                {
                    throw config.Unsupported(className, flag);
                }
            }
        }
    }

    public NoiseSchedule Schedule { get; }

    public (Tensor Timesteps, float[] Sigmas, double InitNoiseSigma) Make(int n)
    {
        Schedule.CheckSteps(n);
        int train = Schedule.NumTrainTimesteps;
        double[] steps = Schedule.TimestepSpacing switch
        {
            "linspace" => NoiseSchedule.Linspace(0, train - 1, n).Select(t => (double)(float)t).Reverse().ToArray(),
            "leading" => Enumerable.Range(0, n).Select(i => (double)(i * (train / n))).Reverse().Select(t => t + Schedule.StepsOffset).ToArray(),
            _ => NoiseSchedule.ArangeDown(train, 0, -(double)train / n).Select(t => Math.Round(t) - 1).ToArray(),
        };
        float[] table = Schedule.TrainSigmas;
        double[] sigmas = steps.Select(t => NoiseSchedule.Interp(t, table)).ToArray();
        if (_karras)
        {
            sigmas = NoiseSchedule.Karras(_sigmaMax ?? sigmas[0], _sigmaMin ?? sigmas[^1], n);
            float[] logSigmas = Schedule.LogSigmas();
            steps = sigmas.Select(s => NoiseSchedule.SigmaToT(s, logSigmas)).ToArray();
        }

        float last = _finalSigmaMin ? table[0] : 0f;
        float[] all = [.. sigmas.Select(s => (float)s), last];
        float max = all.Max();
        double init = Schedule.TimestepSpacing is "linspace" or "trailing" ? max : MathF.Sqrt((max * max) + 1f);
        return (tensor(steps.Select(t => (float)t).ToArray()), all, init);
    }
}
