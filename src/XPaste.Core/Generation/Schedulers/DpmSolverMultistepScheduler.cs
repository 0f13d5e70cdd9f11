using static TorchSharp.torch;

namespace XPaste.Generation.Schedulers;

/// <summary>
/// DPM-Solver++ multistep (diffusers' <c>DPMSolverMultistepScheduler</c>): first or second order (midpoint or Heun),
/// lower-order final steps, final sigma 0 or sigma_min, optional Karras sigmas; epsilon or v-prediction.
/// </summary>
public sealed class DpmSolverMultistepScheduler : INoiseScheduler
{
    /// <summary>The diffusers class name.</summary>
    public const string DiffusersName = "DPMSolverMultistepScheduler";

    private readonly NoiseSchedule _schedule;
    private readonly double _lambdaMinClipped;

    /// <summary>Configures the scheduler from <paramref name="config"/> (missing keys take this class's defaults).</summary>
    /// <exception cref="InvalidInputException">A value is invalid or an unsupported option is on.</exception>
    public DpmSolverMultistepScheduler(SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _schedule = NoiseSchedule.Read(config, DiffusersName, "linspace");
        SolverOrder = config.GetInt("solver_order", 2);
        if (SolverOrder is not (1 or 2))
        {
            throw config.Unsupported(DiffusersName, $"solver_order {SolverOrder} (1 or 2 are)");
        }

        config.GetString("algorithm_type", "dpmsolver++", "dpmsolver++");
        SolverType = config.GetString("solver_type", "midpoint", "midpoint", "heun");
        LowerOrderFinal = config.GetBool("lower_order_final", true);
        EulerAtFinal = config.GetBool("euler_at_final", false);
        UseKarrasSigmas = config.GetBool("use_karras_sigmas", false);
        FinalSigmasType = config.GetString("final_sigmas_type", "zero", "zero", "sigma_min");
        _lambdaMinClipped = config.GetDouble("lambda_min_clipped", double.NegativeInfinity);
        foreach (string flag in new[] { "use_exponential_sigmas", "use_beta_sigmas", "use_lu_lambdas", "use_flow_sigmas", "use_dynamic_shifting" })
        {
            if (config.GetBool(flag, false))
            {
                throw config.Unsupported(DiffusersName, flag);
            }
        }

        if (config.Has("variance_type"))
        {
            throw config.Unsupported(DiffusersName, "variance_type (learned variance)");
        }
    }

    /// <inheritdoc/>
    public string ClassName => DiffusersName;

    /// <inheritdoc/>
    public int NumTrainTimesteps => _schedule.NumTrainTimesteps;

    /// <summary>1 or 2 (<c>solver_order</c>).</summary>
    public int SolverOrder { get; }

    /// <summary><c>midpoint</c> or <c>heun</c>.</summary>
    public string SolverType { get; }

    /// <summary>Whether the last steps drop to first order (<c>lower_order_final</c>).</summary>
    public bool LowerOrderFinal { get; }

    /// <summary>Whether the last step is always first order (<c>euler_at_final</c>).</summary>
    public bool EulerAtFinal { get; }

    /// <summary>Whether sigmas follow Karras et al. (<c>use_karras_sigmas</c>).</summary>
    public bool UseKarrasSigmas { get; }

    /// <summary><c>zero</c> (diffusers ≥ 0.26) or <c>sigma_min</c> (earlier releases).</summary>
    public string FinalSigmasType { get; }

    /// <inheritdoc/>
    public ISchedulerRun SetTimesteps(int numInferenceSteps)
    {
        _schedule.CheckSteps(numInferenceSteps);
        int n = numInferenceSteps;
        float[] train = _schedule.TrainSigmas;
        int lastTimestep = LastTimestep();
        double[] steps = _schedule.TimestepSpacing switch
        {
            "linspace" => NoiseSchedule.Linspace(0, lastTimestep - 1, n + 1).Select(t => Math.Round(t)).Reverse().Take(n).ToArray(),
            "leading" => Enumerable.Range(0, n + 1).Select(i => (double)(i * (lastTimestep / (n + 1)))).Reverse().Take(n)
                .Select(t => t + _schedule.StepsOffset).ToArray(),
            _ => NoiseSchedule.ArangeDown(lastTimestep, 0, -(double)_schedule.NumTrainTimesteps / n).Select(t => Math.Round(t) - 1).ToArray(),
        };

        float[] sigmas;
        if (UseKarrasSigmas)
        {
            double[] karras = NoiseSchedule.Karras(train[^1], train[0], n);
            float[] logSigmas = _schedule.LogSigmas();
            steps = karras.Select(s => Math.Round(NoiseSchedule.SigmaToT(s, logSigmas))).ToArray();
            double last = FinalSigmasType == "sigma_min" ? karras[^1] : 0;
            sigmas = [.. karras.Select(s => (float)s), (float)last];
        }
        else
        {
            float last = FinalSigmasType == "sigma_min" ? train[0] : 0f;
            sigmas = [.. steps.Select(t => (float)NoiseSchedule.Interp(t, train)), last];
        }

        Tensor timesteps = tensor(steps.Select(t => (long)t).ToArray());
        return new Run(this, timesteps, sigmas);
    }

    private int LastTimestep()
    {
        if (double.IsNegativeInfinity(_lambdaMinClipped))
        {
            return _schedule.NumTrainTimesteps;
        }

        // lambda(t) decreases with t; timesteps whose lambda falls below the clip are never used.
        int below = _schedule.AlphasCumprod.Count(ac => MathF.Log(MathF.Sqrt(ac)) - MathF.Log(MathF.Sqrt(1 - ac)) < _lambdaMinClipped);
        return _schedule.NumTrainTimesteps - below;
    }

    private static (float Alpha, float Sigma, float Lambda) AlphaSigma(float sigma)
    {
        float alpha = 1f / MathF.Sqrt((sigma * sigma) + 1f);
        float s = sigma * alpha;
        return (alpha, s, MathF.Log(alpha) - MathF.Log(s));
    }

    private sealed class Run(DpmSolverMultistepScheduler owner, Tensor timesteps, float[] sigmas)
        : SchedulerRun(timesteps, sigmas, 1.0)
    {
        private Tensor? _previousX0;
        private int _lowerOrderNums;

        protected override Tensor StepCore(Tensor modelOutput, Tensor sample, int index, IStepNoise? noise)
        {
            float[] s = SigmaValues!;
            int n = StepCount;
            // With order 2 at most, only the final step can drop an order (diffusers' lower_order_second needs order 3).
            bool lowerOrderFinal = index == n - 1
                && (owner.EulerAtFinal || (owner.LowerOrderFinal && n < 15) || owner.FinalSigmasType == "zero");

            var (alphaS0, sigmaS0, lambdaS0) = AlphaSigma(s[index]);
            Tensor x0 = owner._schedule.VPrediction
                ? (sample * alphaS0) - (modelOutput * sigmaS0)
                : (sample - (modelOutput * sigmaS0)) / alphaS0;

            var (alphaT, sigmaT, lambdaT) = AlphaSigma(s[index + 1]);
            float h = lambdaT - lambdaS0;
            float decay = alphaT * (MathF.Exp(-h) - 1f);
            Tensor next;
            if (owner.SolverOrder == 1 || _lowerOrderNums < 1 || lowerOrderFinal || _previousX0 is null)
            {
                next = (sample * (sigmaT / sigmaS0)) - (x0 * decay);
            }
            else
            {
                var (_, _, lambdaS1) = AlphaSigma(s[index - 1]);
                float r0 = (lambdaS0 - lambdaS1) / h;
                Tensor d1 = (x0 - _previousX0) * (1f / r0);
                next = owner.SolverType == "midpoint"
                    ? (sample * (sigmaT / sigmaS0)) - (x0 * decay) - (d1 * (0.5f * decay))
                    : (sample * (sigmaT / sigmaS0)) - (x0 * decay) + (d1 * (alphaT * (((MathF.Exp(-h) - 1f) / h) + 1f)));
            }

            _previousX0?.Dispose();
            _previousX0 = Keep(x0);
            if (_lowerOrderNums < owner.SolverOrder)
            {
                _lowerOrderNums++;
            }

            return next;
        }

        protected override void DisposeState()
        {
            _previousX0?.Dispose();
            _previousX0 = null;
        }
    }
}
