using static TorchSharp.torch;

namespace XPaste.Generation.Schedulers;

/// <summary>
/// Latent consistency sampling (diffusers' <c>LCMScheduler</c>): timesteps taken from the distillation schedule of
/// <c>original_inference_steps</c> (so <c>timestep_spacing</c> and <c>steps_offset</c> do not apply), the boundary
/// condition scalings <c>c_skip</c>/<c>c_out</c>, and fresh noise from the caller's generators after every step
/// but the last, which returns the denoised sample itself.
/// </summary>
public sealed class LcmScheduler : INoiseScheduler
{
    /// <summary>The diffusers class name.</summary>
    public const string DiffusersName = "LCMScheduler";

    private const float SigmaData = 0.5f;
    private readonly NoiseSchedule _schedule;
    private readonly float _finalAlphaCumprod;

    /// <summary>Configures the scheduler from <paramref name="config"/> (missing keys take this class's defaults).</summary>
    /// <exception cref="InvalidInputException">A value is invalid or an unsupported option is on.</exception>
    public LcmScheduler(SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _schedule = NoiseSchedule.Read(config, DiffusersName, "leading");
        OriginalInferenceSteps = config.GetInt("original_inference_steps", 50);
        if (OriginalInferenceSteps < 1 || OriginalInferenceSteps > _schedule.NumTrainTimesteps)
        {
            throw config.Invalid("original_inference_steps", $"an integer between 1 and num_train_timesteps ({_schedule.NumTrainTimesteps})");
        }

        // Written by diffusers before the key existed (LCM_Dreamshaper_v7's config): its default 10 applies.
        TimestepScaling = (float)config.GetDouble("timestep_scaling", 10.0);
        ClipSample = config.GetBool("clip_sample", false);
        ClipSampleRange = (float)config.GetDouble("clip_sample_range", 1.0);
        _finalAlphaCumprod = config.GetBool("set_alpha_to_one", true) ? 1f : _schedule.AlphasCumprod[0];
    }

    /// <inheritdoc/>
    public string ClassName => DiffusersName;

    /// <inheritdoc/>
    public int NumTrainTimesteps => _schedule.NumTrainTimesteps;

    /// <summary>Steps of the schedule the model was distilled on (<c>original_inference_steps</c>, 50 for LCM_Dreamshaper_v7).</summary>
    public int OriginalInferenceSteps { get; }

    /// <summary>The factor of the timestep in the boundary scalings (<c>timestep_scaling</c>, default 10).</summary>
    public float TimestepScaling { get; }

    /// <summary>Whether the predicted clean sample is clipped (<c>clip_sample</c>, default false).</summary>
    public bool ClipSample { get; }

    /// <summary>The clipping bound (<c>clip_sample_range</c>).</summary>
    public float ClipSampleRange { get; }

    /// <inheritdoc/>
    public ISchedulerRun SetTimesteps(int numInferenceSteps) => SetTimesteps(numInferenceSteps, null);

    /// <summary>A run of <paramref name="numInferenceSteps"/> steps from a distillation schedule of <paramref name="originalInferenceSteps"/> steps.</summary>
    /// <param name="numInferenceSteps">Steps, at most the original steps.</param>
    /// <param name="originalInferenceSteps">The schedule to draw from; the config's when null.</param>
    /// <returns>The run.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A step count out of range.</exception>
    public ISchedulerRun SetTimesteps(int numInferenceSteps, int? originalInferenceSteps)
    {
        int original = originalInferenceSteps ?? OriginalInferenceSteps;
        if (original < 1 || original > NumTrainTimesteps)
        {
            throw new ArgumentOutOfRangeException(nameof(originalInferenceSteps), original, $"must be between 1 and num_train_timesteps ({NumTrainTimesteps})");
        }

        if (numInferenceSteps < 1 || numInferenceSteps > original)
        {
            throw new ArgumentOutOfRangeException(nameof(numInferenceSteps), numInferenceSteps,
                $"LCMScheduler takes between 1 and original_inference_steps ({original}) steps");
        }

        // Candidates (1..original) * k - 1, reversed; n of them at floor(linspace(0, original, n, endpoint=False)).
        long k = NumTrainTimesteps / original;
        long[] candidates = Enumerable.Range(1, original).Select(i => (i * k) - 1).Reverse().ToArray();
        double stride = (double)candidates.Length / numInferenceSteps;
        long[] steps = Enumerable.Range(0, numInferenceSteps).Select(i => candidates[(int)Math.Floor(i * stride)]).ToArray();
        return new Run(this, tensor(steps));
    }

    /// <summary>A run over the caller's own descending timesteps (diffusers' <c>set_timesteps(timesteps=...)</c>).</summary>
    /// <param name="timesteps">Strictly descending, each in [0, num_train_timesteps).</param>
    /// <returns>The run.</returns>
    /// <exception cref="ArgumentException">The list is empty, not descending, or out of range.</exception>
    public ISchedulerRun SetTimesteps(IReadOnlyList<long> timesteps)
    {
        ArgumentNullException.ThrowIfNull(timesteps);
        if (timesteps.Count == 0 || timesteps.Any(t => t < 0 || t >= NumTrainTimesteps)
            || timesteps.Zip(timesteps.Skip(1)).Any(p => p.Second >= p.First))
        {
            throw new ArgumentException($"custom timesteps must be strictly descending and within [0, {NumTrainTimesteps})", nameof(timesteps));
        }

        return new Run(this, tensor(timesteps.ToArray()));
    }

    /// <summary>The boundary condition scalings at timestep <paramref name="timestep"/>, in float32 as diffusers computes them.</summary>
    /// <param name="timestep">The integer timestep.</param>
    /// <returns><c>c_skip = σ²/((st)² + σ²)</c> and <c>c_out = st/√((st)² + σ²)</c>, σ = 0.5, s = <see cref="TimestepScaling"/>.</returns>
    public (float CSkip, float COut) BoundaryScalings(long timestep)
    {
        float scaled = timestep * TimestepScaling;
        float denominator = (scaled * scaled) + (SigmaData * SigmaData);
        return (SigmaData * SigmaData / denominator, scaled / MathF.Sqrt(denominator));
    }

    private sealed class Run(LcmScheduler owner, Tensor timesteps) : SchedulerRun(timesteps, null, 1.0), IDenoisingRun
    {
        private readonly long[] _steps = timesteps.data<long>().ToArray();
        private Tensor? _denoised;

        public Tensor? Denoised => _denoised;

        protected override Tensor StepCore(Tensor modelOutput, Tensor sample, int index, IStepNoise? noise)
        {
            NoiseSchedule schedule = owner._schedule;
            long t = _steps[index];
            long prev = index + 1 < _steps.Length ? _steps[index + 1] : t;
            float alphaProd = schedule.AlphasCumprod[t];
            float alphaProdPrev = prev >= 0 ? schedule.AlphasCumprod[prev] : owner._finalAlphaCumprod;
            float betaProd = 1f - alphaProd;
            var (cSkip, cOut) = owner.BoundaryScalings(t);

            Tensor x0 = schedule.VPrediction
                ? (sample * MathF.Sqrt(alphaProd)) - (modelOutput * MathF.Sqrt(betaProd))
                : (sample - (modelOutput * MathF.Sqrt(betaProd))) / MathF.Sqrt(alphaProd);
            if (owner.ClipSample)
            {
                x0 = x0.clamp(-owner.ClipSampleRange, owner.ClipSampleRange);
            }

            Tensor denoised = (x0 * cOut) + (sample * cSkip);
            _denoised?.Dispose();
            _denoised = Keep(denoised);
            if (index == _steps.Length - 1)
            {
                return denoised;
            }

            Tensor fresh = noise is null
                ? randn(modelOutput.shape, ScalarType.Float32, modelOutput.device)
                : noise.Draw(modelOutput.shape, ScalarType.Float32, modelOutput.device);
            return (denoised * MathF.Sqrt(alphaProdPrev)) + (fresh * MathF.Sqrt(1f - alphaProdPrev));
        }

        protected override void DisposeState() => _denoised?.Dispose();
    }
}

/// <summary>A run that also predicts the clean sample at each step (LCM's <c>denoised</c>).</summary>
internal interface IDenoisingRun
{
    /// <summary>The denoised sample of the last step taken (float32), kept by the run; null before the first step.</summary>
    Tensor? Denoised { get; }
}
