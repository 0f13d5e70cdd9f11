using System.Text.Json;
using XPaste.Generation.Schedulers;
using static TorchSharp.torch;

namespace XPaste.Tests.Generation.Schedulers;

/// <summary>LCMScheduler against diffusers' traces (sd_fewstep_tiny/lcm: the published LCM_Dreamshaper_v7 config).</summary>
public sealed class LcmSchedulerTests
{
    private static FewstepData Data => FewstepData.Lcm;

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (JsonProperty p in FewstepData.Lcm.Expected.GetProperty("schedulers").EnumerateObject())
        {
            data.Add(p.Name);
        }

        return data;
    }

    private static LcmScheduler Scheduler()
    {
        INoiseScheduler scheduler = SchedulerFactory.FromConfig(SchedulerConfig.Load(Data.Path("scheduler", "scheduler_config.json")));
        return Assert.IsType<LcmScheduler>(scheduler);
    }

    [Fact]
    public void Published_config_reads_as_diffusers_defaults_it()
    {
        LcmScheduler scheduler = Scheduler();
        Assert.Equal(50, scheduler.OriginalInferenceSteps);
        Assert.Equal(10f, scheduler.TimestepScaling);
        Assert.Equal("LCMScheduler", scheduler.ClassName);
    }

    [Fact]
    public void Boundary_scalings_match_diffusers()
    {
        LcmScheduler scheduler = Scheduler();
        float[] timesteps = Data.Tensor("lcm_boundary_timesteps").data<float>().ToArray();
        var scalings = timesteps.Select(t => scheduler.BoundaryScalings((long)t)).ToArray();
        using Tensor cSkip = tensor(scalings.Select(s => s.CSkip).ToArray());
        using Tensor cOut = tensor(scalings.Select(s => s.COut).ToArray());
        Data.Close("lcm_boundary_c_skip", cSkip);
        Data.Close("lcm_boundary_c_out", cOut);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Trace_matches_diffusers(string name)
    {
        JsonElement spec = Data.Expected.GetProperty("schedulers").GetProperty(name);
        JsonElement set = spec.GetProperty("set_timesteps");
        LcmScheduler scheduler = Scheduler();
        using var scope = NewDisposeScope();
        using ISchedulerRun run = set.TryGetProperty("timesteps", out JsonElement custom)
            ? scheduler.SetTimesteps(custom.EnumerateArray().Select(e => e.GetInt64()).ToArray())
            : scheduler.SetTimesteps(set.GetProperty("num_inference_steps").GetInt32(),
                set.TryGetProperty("original_inference_steps", out JsonElement original) ? original.GetInt32() : null);

        long[] expectedSteps = spec.GetProperty("timesteps").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        Assert.Equal(expectedSteps, run.Timesteps.data<long>().ToArray());
        Data.Close($"{name}_timesteps", run.Timesteps.to(ScalarType.Float32));
        Assert.Equal(1.0, run.InitNoiseSigma);

        Tensor outputs = Data.Tensor(spec.GetProperty("model_outputs").GetString()!);
        var noise = spec.GetProperty("step_noise").GetString() is { } noiseName ? new StoredStepNoise(Data.Tensor(noiseName)) : null;
        Tensor x = Data.Tensor("sched_noise");
        var denoised = new List<Tensor>();
        var samples = new List<Tensor>();
        for (int i = 0; i < run.StepCount; i++)
        {
            Assert.Equal(expectedSteps[i], run.CurrentTimestep.item<long>());
            x = run.Step(outputs[i], x, noise);
            denoised.Add(((IDenoisingRun)run).Denoised!.clone());
            samples.Add(x);
        }

        Data.Close($"{name}_denoised", stack(denoised));
        Data.Close($"{name}_prev_samples", stack(samples));
        TensorAssert.Equal(denoised[^1], samples[^1]);
        Assert.Equal(spec.GetProperty("noise_draws").GetInt32(), noise?.Draws ?? 0);
    }

    [Fact]
    public void More_steps_than_the_distillation_schedule_are_refused()
    {
        LcmScheduler scheduler = Scheduler();
        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.SetTimesteps(51));
        Assert.Throws<ArgumentException>(() => scheduler.SetTimesteps([499, 999]));
        Assert.Equal([999L, 679, 339], scheduler.SetTimesteps(3).Timesteps.data<long>().ToArray());
    }
}
