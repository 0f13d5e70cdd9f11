using System.Text.Json;
using XPaste.Generation.Schedulers;
using static TorchSharp.torch;

namespace XPaste.Tests.Generation.Schedulers;

public class SchedulerTraceTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (JsonProperty p in SdTinyData.Expected.GetProperty("schedulers").EnumerateObject())
        {
            data.Add(p.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Trace_matches_diffusers(string name)
    {
        JsonElement spec = SdTinyData.Expected.GetProperty("schedulers").GetProperty(name);
        SchedulerConfig config = SchedulerConfig.Load(SdTinyData.Path("scheduler", "scheduler_config.json"));
        foreach (JsonProperty extra in spec.GetProperty("extra_config").EnumerateObject())
        {
            config = config.With(extra.Name, extra.Value);
        }

        INoiseScheduler scheduler = SchedulerFactory.FromConfig(config, spec.GetProperty("scheduler_class").GetString()!);
        int n = spec.GetProperty("num_inference_steps").GetInt32();
        int calls = spec.GetProperty("step_calls").GetInt32();
        using var scope = NewDisposeScope();
        using ISchedulerRun run = scheduler.SetTimesteps(n);

        Assert.Equal(calls, run.StepCount);
        TensorAssert.Close(SdTinyData.Tensor($"{name}_timesteps"), run.Timesteps.to(ScalarType.Float32), SdTinyData.Tolerance($"{name}_timesteps"));
        if (SdTinyData.Expected.GetProperty("tolerance").TryGetProperty($"{name}_sigmas", out _))
        {
            // init_noise_sigma is a sigma of the table (or sqrt(max^2+1)): held to the sigmas' tolerance.
            Assert.InRange(run.InitNoiseSigma - spec.GetProperty("init_noise_sigma").GetDouble(), -SdTinyData.Tolerance($"{name}_sigmas"), SdTinyData.Tolerance($"{name}_sigmas"));
            TensorAssert.Close(SdTinyData.Tensor($"{name}_sigmas"), run.Sigmas!, SdTinyData.Tolerance($"{name}_sigmas"));
        }

        else
        {
            Assert.Equal(spec.GetProperty("init_noise_sigma").GetDouble(), run.InitNoiseSigma);
        }

        Tensor outputs = SdTinyData.Tensor($"sched_model_outputs_{n}");
        var noise = new StoredNoise(SdTinyData.Tensor($"sched_ancestral_noise_{n}"));
        bool hasScaled = SdTinyData.Expected.GetProperty("tolerance").TryGetProperty($"{name}_scaled_inputs", out _);
        Tensor x = SdTinyData.Tensor("sched_noise") * (float)run.InitNoiseSigma;
        var samples = new List<Tensor>();
        var scaled = new List<Tensor>();
        for (int i = 0; i < calls; i++)
        {
            scaled.Add(run.ScaleModelInput(x));
            x = run.Step(outputs[i], x, noise);
            samples.Add(x);
        }

        TensorAssert.Close(SdTinyData.Tensor($"{name}_prev_samples"), stack(samples), SdTinyData.Tolerance($"{name}_prev_samples"));
        if (hasScaled)
        {
            TensorAssert.Close(SdTinyData.Tensor($"{name}_scaled_inputs"), stack(scaled), SdTinyData.Tolerance($"{name}_scaled_inputs"));
        }

        Assert.Throws<InvalidOperationException>(() => run.Step(outputs[0], x, noise));
    }

    private sealed class StoredNoise(Tensor draws) : IStepNoise
    {
        private int _next;

        public Tensor Draw(long[] shape, ScalarType dtype, Device device)
        {
            Assert.Equal(draws.shape[1..], shape);
            return draws[_next++].to(dtype).to(device);
        }
    }
}
