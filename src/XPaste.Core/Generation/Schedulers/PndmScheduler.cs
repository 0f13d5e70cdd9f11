using static TorchSharp.torch;

namespace XPaste.Generation.Schedulers;

/// <summary>
/// PNDM with PLMS steps only (diffusers' <c>PNDMScheduler</c> with <c>skip_prk_steps</c>), SD 1.x's published
/// scheduler: the second timestep is repeated, so a run of n steps makes n + 1 model calls.
/// </summary>
public sealed class PndmScheduler : INoiseScheduler
{
    /// <summary>The diffusers class name.</summary>
    public const string DiffusersName = "PNDMScheduler";

    private readonly NoiseSchedule _schedule;
    private readonly float _finalAlphaCumprod;

    /// <summary>Configures the scheduler from <paramref name="config"/> (missing keys take this class's defaults).</summary>
    /// <exception cref="InvalidInputException">A value is invalid or the Runge-Kutta warm-up is asked for.</exception>
    public PndmScheduler(SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _schedule = NoiseSchedule.Read(config, DiffusersName, "leading");
        if (!config.GetBool("skip_prk_steps", false))
        {
            throw config.Unsupported(DiffusersName, "skip_prk_steps false (the Runge-Kutta warm-up)");
        }

        _finalAlphaCumprod = config.GetBool("set_alpha_to_one", false) ? 1f : _schedule.AlphasCumprod[0];
    }

    /// <inheritdoc/>
    public string ClassName => DiffusersName;

    /// <inheritdoc/>
    public int NumTrainTimesteps => _schedule.NumTrainTimesteps;

    /// <inheritdoc/>
    public ISchedulerRun SetTimesteps(int numInferenceSteps)
    {
        _schedule.CheckSteps(numInferenceSteps);
        long[] descending = DdimScheduler.LeadingTimesteps(_schedule, numInferenceSteps);
        long[] plms = numInferenceSteps == 1
            ? descending
            : [descending[0], descending[1], .. descending[1..]];
        return new Run(this, tensor(plms), numInferenceSteps);
    }

    private sealed class Run(PndmScheduler owner, Tensor timesteps, int n) : SchedulerRun(timesteps, null, 1.0)
    {
        private readonly long[] _steps = timesteps.data<long>().ToArray();
        private readonly List<Tensor> _ets = [];
        private Tensor? _curSample;

        protected override Tensor StepCore(Tensor modelOutput, Tensor sample, int index, IStepNoise? noise)
        {
            int ratio = owner._schedule.NumTrainTimesteps / n;
            long t = _steps[index];
            long prev = t - ratio;
            if (index != 1)
            {
                while (_ets.Count > 3)
                {
                    _ets[0].Dispose();
                    _ets.RemoveAt(0);
                }

                _ets.Add(Keep(modelOutput));
            }
            else
            {
                // The repeated timestep: average with the first output and restart from the first sample.
                prev = t;
                t += ratio;
            }

            Tensor e;
            Tensor x = sample;
            if (_ets.Count == 1 && index == 0)
            {
                e = modelOutput;
                _curSample = Keep(sample);
            }
            else if (_ets.Count == 1 && index == 1)
            {
                e = (modelOutput + _ets[^1]) / 2;
                x = _curSample!;
            }
            else if (_ets.Count == 2)
            {
                e = ((3 * _ets[^1]) - _ets[^2]) / 2;
            }
            else if (_ets.Count == 3)
            {
                e = ((23 * _ets[^1]) - (16 * _ets[^2]) + (5 * _ets[^3])) / 12;
            }
            else
            {
                e = (1.0 / 24) * ((55 * _ets[^1]) - (59 * _ets[^2]) + (37 * _ets[^3]) - (9 * _ets[^4]));
            }

            Tensor next = PrevSample(x, t, prev, e);
            if (index == 1)
            {
                _curSample?.Dispose();
                _curSample = null;
            }

            return next;
        }

        protected override void DisposeState()
        {
            foreach (Tensor t in _ets)
            {
                t.Dispose();
            }

            _ets.Clear();
            _curSample?.Dispose();
        }

        private Tensor PrevSample(Tensor sample, long t, long prev, Tensor e)
        {
            NoiseSchedule schedule = owner._schedule;
            float alphaProd = schedule.AlphasCumprod[t];
            float alphaProdPrev = prev >= 0 ? schedule.AlphasCumprod[prev] : owner._finalAlphaCumprod;
            float betaProd = 1f - alphaProd;
            float betaProdPrev = 1f - alphaProdPrev;
            if (schedule.VPrediction)
            {
                e = (e * MathF.Sqrt(alphaProd)) + (sample * MathF.Sqrt(betaProd));
            }

            float sampleCoeff = MathF.Sqrt(alphaProdPrev / alphaProd);
            float denom = (alphaProd * MathF.Sqrt(betaProdPrev)) + MathF.Sqrt(alphaProd * betaProd * alphaProdPrev);
            return (sample * sampleCoeff) - ((e * (alphaProdPrev - alphaProd)) / denom);
        }
    }
}
