using static TorchSharp.torch;

namespace XPaste.Generation.Schedulers;

/// <summary>
/// The settings every scheduler class shares and its training noise tables, computed in float32 with the same torch
/// operations as diffusers so that the tables match bit for bit.
/// </summary>
internal sealed class NoiseSchedule
{
    private NoiseSchedule(SchedulerConfig config, string className, string defaultSpacing)
    {
        NumTrainTimesteps = config.GetInt("num_train_timesteps", 1000);
        if (NumTrainTimesteps < 2)
        {
            throw config.Invalid("num_train_timesteps", "at least 2");
        }

        PredictionType = config.GetString("prediction_type", "epsilon", "epsilon", "v_prediction", "sample");
        if (PredictionType == "sample")
        {
            throw config.Unsupported(className, "prediction_type 'sample'");
        }

        TimestepSpacing = config.GetString("timestep_spacing", defaultSpacing, "linspace", "leading", "trailing");
        StepsOffset = config.GetInt("steps_offset", 0);
        if (config.GetBool("rescale_betas_zero_snr", false))
        {
            throw config.Unsupported(className, "rescale_betas_zero_snr");
        }

        if (config.GetBool("thresholding", false))
        {
            throw config.Unsupported(className, "thresholding");
        }

        using var scope = NewDisposeScope();
        Tensor betas = Betas(config, className, NumTrainTimesteps);
        // torch 1.x's CPU cumprod accumulates in double (newer libtorch in float): do it by hand to match the reference.
        float[] alphas = (1.0 - betas).data<float>().ToArray();
        AlphasCumprod = new float[alphas.Length];
        double product = 1;
        for (int i = 0; i < alphas.Length; i++)
        {
            product *= alphas[i];
            AlphasCumprod[i] = (float)product;
        }

        Tensor alphasCumprod = tensor(AlphasCumprod);
        TrainSigmas = ((1 - alphasCumprod) / alphasCumprod).pow(0.5).data<float>().ToArray();
    }

    public int NumTrainTimesteps { get; }

    /// <summary><c>epsilon</c> or <c>v_prediction</c>.</summary>
    public string PredictionType { get; }

    public bool VPrediction => PredictionType == "v_prediction";

    /// <summary><c>linspace</c>, <c>leading</c> or <c>trailing</c>.</summary>
    public string TimestepSpacing { get; }

    public int StepsOffset { get; }

    /// <summary>cumprod(1 - betas), float32.</summary>
    public float[] AlphasCumprod { get; }

    /// <summary>sqrt((1 - ac) / ac) per training timestep, float32.</summary>
    public float[] TrainSigmas { get; }

    public static NoiseSchedule Read(SchedulerConfig config, string className, string defaultSpacing) =>
        new(config, className, defaultSpacing);

    public void CheckSteps(int numInferenceSteps)
    {
        if (numInferenceSteps < 1 || numInferenceSteps > NumTrainTimesteps)
        {
            throw new ArgumentOutOfRangeException(nameof(numInferenceSteps), numInferenceSteps,
                $"the number of steps must be between 1 and num_train_timesteps ({NumTrainTimesteps})");
        }
    }

    /// <summary>numpy's <c>linspace(start, stop, num)</c> in float64.</summary>
    public static double[] Linspace(double start, double stop, int num)
    {
        var y = new double[num];
        if (num == 1)
        {
            y[0] = start;
            return y;
        }

        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++)
        {
            y[i] = (i * step) + start;
        }

        y[num - 1] = stop;
        return y;
    }

    /// <summary>numpy's <c>arange(start, stop, step)</c> for a negative step, in float64.</summary>
    public static double[] ArangeDown(double start, double stop, double step)
    {
        int count = (int)Math.Ceiling((stop - start) / step);
        return Enumerable.Range(0, Math.Max(count, 0)).Select(i => start + (i * step)).ToArray();
    }

    /// <summary>numpy's <c>interp(x, arange(len(fp)), fp)</c> in float64.</summary>
    public static double Interp(double x, float[] fp)
    {
        if (x <= 0)
        {
            return fp[0];
        }

        if (x >= fp.Length - 1)
        {
            return fp[^1];
        }

        int j = (int)Math.Floor(x);
        if (j == x)
        {
            return fp[j];
        }

        double slope = ((double)fp[j + 1] - fp[j]) / 1.0;
        return (slope * (x - j)) + fp[j];
    }

    /// <summary>Karras et al. sigmas from <paramref name="sigmaMax"/> down to <paramref name="sigmaMin"/>, in float64.</summary>
    public static double[] Karras(double sigmaMax, double sigmaMin, int num)
    {
        const double rho = 7.0;
        double[] ramp = Linspace(0, 1, num);
        double minInvRho = Math.Pow(sigmaMin, 1 / rho);
        double maxInvRho = Math.Pow(sigmaMax, 1 / rho);
        return ramp.Select(r => Math.Pow(maxInvRho + (r * (minInvRho - maxInvRho)), rho)).ToArray();
    }

    /// <summary>diffusers' <c>_sigma_to_t</c>: the fractional timestep of a sigma by log-sigma interpolation.</summary>
    public static double SigmaToT(double sigma, float[] logSigmas)
    {
        double logSigma = Math.Log(Math.Max(sigma, 1e-10));
        int low = 0;
        for (int i = 0; i < logSigmas.Length; i++)
        {
            if (logSigma - logSigmas[i] >= 0)
            {
                low = i;
            }
        }

        low = Math.Min(low, logSigmas.Length - 2);
        double lo = logSigmas[low];
        double hi = logSigmas[low + 1];
        double w = Math.Clamp((lo - logSigma) / (lo - hi), 0, 1);
        return ((1 - w) * low) + (w * (low + 1));
    }

    /// <summary>np.log of the float32 sigma table, in float32.</summary>
    public float[] LogSigmas()
    {
        using Tensor s = tensor(TrainSigmas);
        using Tensor l = s.log();
        return l.data<float>().ToArray();
    }

    private static Tensor Betas(SchedulerConfig config, string className, int n)
    {
        float[]? trained = config.GetFloatArray("trained_betas");
        if (trained is not null)
        {
            if (trained.Length != n)
            {
                throw config.Invalid("trained_betas", $"a list of num_train_timesteps ({n}) numbers");
            }

            return tensor(trained);
        }

        double start = config.GetDouble("beta_start", 0.0001);
        double end = config.GetDouble("beta_end", 0.02);
        string schedule = config.GetString("beta_schedule", "linear", "linear", "scaled_linear", "squaredcos_cap_v2");
        return schedule switch
        {
            "linear" => linspace(start, end, n, ScalarType.Float32),
            "scaled_linear" => linspace(Math.Sqrt(start), Math.Sqrt(end), n, ScalarType.Float32).pow(2),
            "squaredcos_cap_v2" => tensor(CosineBetas(n)),
            _ => throw config.Unsupported(className, $"beta_schedule '{schedule}'"),
        };
    }

    private static float[] CosineBetas(int n)
    {
        static double AlphaBar(double t) => Math.Pow(Math.Cos((t + 0.008) / 1.008 * Math.PI / 2), 2);
        return Enumerable.Range(0, n).Select(i => (float)Math.Min(1 - (AlphaBar((i + 1) / (double)n) / AlphaBar(i / (double)n)), 0.999)).ToArray();
    }
}
