using static TorchSharp.torch;

namespace XPaste.Generation.Schedulers;

/// <summary>DDIM with eta 0 (diffusers' <c>DDIMScheduler</c>): deterministic; epsilon or v-prediction; optional clipping.</summary>
public sealed class DdimScheduler : INoiseScheduler
{
    /// <summary>The diffusers class name.</summary>
    public const string DiffusersName = "DDIMScheduler";

    private readonly NoiseSchedule _schedule;
    private readonly float _finalAlphaCumprod;

    /// <summary>Configures the scheduler from <paramref name="config"/> (missing keys take this class's defaults).</summary>
    /// <exception cref="InvalidInputException">A value is invalid or an unsupported option is on.</exception>
    public DdimScheduler(SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _schedule = NoiseSchedule.Read(config, DiffusersName, "leading");
        ClipSample = config.GetBool("clip_sample", true);
        ClipSampleRange = (float)config.GetDouble("clip_sample_range", 1.0);
        _finalAlphaCumprod = config.GetBool("set_alpha_to_one", true) ? 1f : _schedule.AlphasCumprod[0];
    }

    /// <inheritdoc/>
    public string ClassName => DiffusersName;

    /// <inheritdoc/>
    public int NumTrainTimesteps => _schedule.NumTrainTimesteps;

    /// <summary>Whether the predicted clean sample is clipped to ±<see cref="ClipSampleRange"/> (<c>clip_sample</c>).</summary>
    public bool ClipSample { get; }

    /// <summary>The clipping bound (<c>clip_sample_range</c>).</summary>
    public float ClipSampleRange { get; }

    /// <inheritdoc/>
    public ISchedulerRun SetTimesteps(int numInferenceSteps)
    {
        _schedule.CheckSteps(numInferenceSteps);
        long[] steps = LeadingTimesteps(_schedule, numInferenceSteps);
        return new Run(this, tensor(steps), numInferenceSteps);
    }

    /// <summary>The descending timesteps DDIM and PNDM share for each spacing.</summary>
    internal static long[] LeadingTimesteps(NoiseSchedule schedule, int n)
    {
        int train = schedule.NumTrainTimesteps;
        return schedule.TimestepSpacing switch
        {
            "linspace" => NoiseSchedule.Linspace(0, train - 1, n).Select(t => (long)Math.Round(t)).Reverse().ToArray(),
            "leading" => Enumerable.Range(0, n).Select(i => (long)i * (train / n)).Reverse().Select(t => t + schedule.StepsOffset).ToArray(),
            _ => NoiseSchedule.ArangeDown(train, 0, -(double)train / n).Select(t => (long)Math.Round(t) - 1).ToArray(),
        };
    }

    private sealed class Run(DdimScheduler owner, Tensor timesteps, int n) : SchedulerRun(timesteps, null, 1.0)
    {
        private readonly long[] _steps = timesteps.data<long>().ToArray();

        protected override Tensor StepCore(Tensor modelOutput, Tensor sample, int index, IStepNoise? noise)
        {
            NoiseSchedule schedule = owner._schedule;
            long t = _steps[index];
            long prev = t - (schedule.NumTrainTimesteps / n);
            float alphaProd = schedule.AlphasCumprod[t];
            float alphaProdPrev = prev >= 0 ? schedule.AlphasCumprod[prev] : owner._finalAlphaCumprod;
            float betaProd = 1f - alphaProd;

            Tensor x0;
            Tensor eps;
            if (schedule.VPrediction)
            {
                x0 = (sample * MathF.Sqrt(alphaProd)) - (modelOutput * MathF.Sqrt(betaProd));
                eps = (modelOutput * MathF.Sqrt(alphaProd)) + (sample * MathF.Sqrt(betaProd));
            }
            else
            {
                x0 = (sample - (modelOutput * MathF.Sqrt(betaProd))) / MathF.Sqrt(alphaProd);
                eps = modelOutput;
            }

            if (owner.ClipSample)
            {
                x0 = x0.clamp(-owner.ClipSampleRange, owner.ClipSampleRange);
            }

            // eta 0: no variance term, so the direction keeps all of sqrt(1 - alpha_prev).
            return (x0 * MathF.Sqrt(alphaProdPrev)) + (eps * MathF.Sqrt(1f - alphaProdPrev));
        }
    }
}
