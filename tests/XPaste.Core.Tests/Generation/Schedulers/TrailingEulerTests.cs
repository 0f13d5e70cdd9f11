using System.Text.Json;
using XPaste.Generation.Schedulers;
using static TorchSharp.torch;

namespace XPaste.Tests.Generation.Schedulers;

/// <summary>
/// SD-Turbo style sampling: sdxl-turbo's trailing Euler ancestral config and EulerDiscreteScheduler built from it,
/// against diffusers' traces (sd_fewstep_tiny/turbo), and the explicit timestep spacing option.
/// </summary>
public sealed class TrailingEulerTests
{
    private static FewstepData Data => FewstepData.Turbo;

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (JsonProperty p in FewstepData.Turbo.Expected.GetProperty("schedulers").EnumerateObject())
        {
            data.Add(p.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Trace_matches_diffusers(string name)
    {
        JsonElement spec = Data.Expected.GetProperty("schedulers").GetProperty(name);
        SchedulerConfig config = SchedulerConfig.Load(Data.Path("scheduler", "scheduler_config.json"));
        INoiseScheduler scheduler = SchedulerFactory.FromConfig(config, spec.GetProperty("scheduler_class").GetString()!);
        int n = spec.GetProperty("num_inference_steps").GetInt32();
        using var scope = NewDisposeScope();
        using ISchedulerRun run = scheduler.SetTimesteps(n);

        Data.Close($"{name}_timesteps", run.Timesteps.to(ScalarType.Float32));
        Data.Close($"{name}_sigmas", run.Sigmas!);
        // Trailing spacing starts from sigma_max itself, not sqrt(sigma_max^2 + 1).
        Assert.Equal(spec.GetProperty("init_noise_sigma").GetDouble(), run.InitNoiseSigma, 5);

        Tensor outputs = Data.Tensor($"sched_model_outputs_{n}");
        var noise = new StoredStepNoise(Data.Tensor($"sched_step_noise_{n}"));
        Tensor x = Data.Tensor("sched_noise") * (float)run.InitNoiseSigma;
        var scaled = new List<Tensor>();
        var samples = new List<Tensor>();
        for (int i = 0; i < n; i++)
        {
            scaled.Add(run.ScaleModelInput(x));
            x = run.Step(outputs[i], x, noise);
            samples.Add(x);
        }

        Data.Close($"{name}_scaled_inputs", stack(scaled));
        Data.Close($"{name}_prev_samples", stack(samples));
        Assert.Equal(spec.GetProperty("noise_draws").GetInt32(), noise.Draws);
    }

    [Fact]
    public void Explicit_spacing_overrides_the_config_also_where_it_lists_the_key_as_a_default()
    {
        // A config that marks timestep_spacing as a default: from_config with a dict override would drop it.
        SchedulerConfig config = SchedulerConfig.Parse("""{"_class_name": "EulerAncestralDiscreteScheduler", "beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012, "timestep_spacing": "leading", "steps_offset": 1, "_use_default_values": ["timestep_spacing"]}""");
        using ISchedulerRun linspace = SchedulerFactory.FromConfig(config, SchedulerKind.Config).SetTimesteps(3);
        Assert.Equal(999f, linspace.Timesteps[0].item<float>());
        Assert.Equal(0f, linspace.Timesteps[2].item<float>());
        using ISchedulerRun trailing = SchedulerFactory.FromConfig(config, SchedulerKind.Config, "trailing").SetTimesteps(3);
        Assert.Equal(new float[] { 999, 666, 332 }, trailing.Timesteps.data<float>().ToArray());
        using ISchedulerRun leading = SchedulerFactory.FromConfig(config, SchedulerKind.Ddim, "leading").SetTimesteps(4);
        Assert.Equal(new long[] { 751, 501, 251, 1 }, leading.Timesteps.data<long>().ToArray());
        Assert.Throws<InvalidInputException>(() => SchedulerFactory.FromConfig(config, SchedulerKind.Euler, "Trailing"));
    }

    [Fact]
    public void Lcm_ignores_the_spacing_as_diffusers_does()
    {
        SchedulerConfig config = SchedulerConfig.Load(FewstepData.Lcm.Path("scheduler", "scheduler_config.json"));
        using ISchedulerRun run = SchedulerFactory.FromConfig(config, SchedulerKind.Lcm, "trailing").SetTimesteps(4);
        Assert.Equal(new long[] { 999, 759, 499, 259 }, run.Timesteps.data<long>().ToArray());
    }
}
