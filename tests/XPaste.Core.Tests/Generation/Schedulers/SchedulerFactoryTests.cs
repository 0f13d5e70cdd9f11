using XPaste.Generation.Schedulers;
using static TorchSharp.torch;

namespace XPaste.Tests.Generation.Schedulers;

public class SchedulerFactoryTests
{
    private static SchedulerConfig Sd15() => SchedulerConfig.Load(SdTinyData.Path("scheduler", "scheduler_config.json"));

    [Fact]
    public void Config_kind_builds_the_folders_class()
    {
        Assert.IsType<PndmScheduler>(SchedulerFactory.FromConfig(Sd15(), SchedulerKind.Config));
    }

    [Theory]
    [InlineData(SchedulerKind.Dpm, typeof(DpmSolverMultistepScheduler))]
    [InlineData(SchedulerKind.Ddim, typeof(DdimScheduler))]
    [InlineData(SchedulerKind.Pndm, typeof(PndmScheduler))]
    [InlineData(SchedulerKind.Euler, typeof(EulerDiscreteScheduler))]
    [InlineData(SchedulerKind.EulerAncestral, typeof(EulerAncestralDiscreteScheduler))]
    public void Kinds_build_their_class(SchedulerKind kind, Type expected)
    {
        Assert.IsType(expected, SchedulerFactory.FromConfig(Sd15(), kind));
    }

    [Fact]
    public void Keys_the_file_lacks_take_the_new_class_defaults()
    {
        // SD's PNDM config has no timestep_spacing: PNDM's default is leading, DPM-Solver's linspace.
        using ISchedulerRun pndm = SchedulerFactory.FromConfig(Sd15(), SchedulerKind.Pndm).SetTimesteps(10);
        using ISchedulerRun dpm = SchedulerFactory.FromConfig(Sd15(), SchedulerKind.Dpm).SetTimesteps(10);
        Assert.Equal([901L, 801, 801, 701, 601, 501, 401, 301, 201, 101, 1], pndm.Timesteps.data<long>().ToArray());
        Assert.Equal([999L, 899, 799, 699, 599, 500, 400, 300, 200, 100], dpm.Timesteps.data<long>().ToArray());
    }

    [Fact]
    public void Use_default_values_are_dropped_as_from_config_does()
    {
        SchedulerConfig config = SchedulerConfig.Parse("""{"_class_name":"PNDMScheduler","timestep_spacing":"leading","_use_default_values":["timestep_spacing"]}""");
        Assert.False(config.Has("timestep_spacing"));
    }

    [Fact]
    public void Unknown_class_names_the_file_and_the_class()
    {
        string path = SdTinyData.Path("scheduler", "scheduler_config.json");
        SchedulerConfig config = SchedulerConfig.Parse("""{"_class_name":"LMSDiscreteScheduler"}""", path);
        var ex = Assert.Throws<InvalidInputException>(() => SchedulerFactory.FromConfig(config));
        Assert.Equal(path, ex.Input);
        Assert.Contains("LMSDiscreteScheduler", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_values_name_the_key()
    {
        SchedulerConfig config = Sd15().With("timestep_spacing", "sideways");
        var ex = Assert.Throws<InvalidInputException>(() => SchedulerFactory.FromConfig(config, SchedulerKind.Ddim));
        Assert.Contains("timestep_spacing", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SchedulerKind.Dpm)]
    [InlineData(SchedulerKind.Pndm)]
    public void Runs_share_no_state(SchedulerKind kind)
    {
        INoiseScheduler scheduler = SchedulerFactory.FromConfig(Sd15(), kind);
        using var scope = NewDisposeScope();
        Tensor x0 = randn([1, 4, 8, 8], generator: new Generator(3));
        Tensor eps = randn([1, 4, 8, 8], generator: new Generator(4));
        Tensor Run()
        {
            using ISchedulerRun run = scheduler.SetTimesteps(5);
            Tensor x = x0;
            for (int i = 0; i < run.StepCount; i++)
            {
                x = run.Step(eps * (i + 1), x);
            }

            return x;
        }

        Tensor first = Run();
        using ISchedulerRun interleaved = scheduler.SetTimesteps(5);
        interleaved.Step(eps, x0);
        TensorAssert.Equal(first, Run());
    }

    [Fact]
    public void V_prediction_ddim_recovers_the_clean_sample_at_the_last_step()
    {
        // With v = sqrt(ac) eps - sqrt(1-ac) x0 exact, one DDIM step to t < 0 lands on sqrt(ac_0) x0 + sqrt(1-ac_0) eps.
        SchedulerConfig config = Sd15().With("prediction_type", "v_prediction");
        using ISchedulerRun run = SchedulerFactory.FromConfig(config, SchedulerKind.Ddim).SetTimesteps(1);
        Assert.Equal(1L, run.Timesteps.data<long>()[0]);
        using var scope = NewDisposeScope();
        Tensor clean = randn([1, 4, 8, 8], generator: new Generator(5));
        Tensor eps = randn([1, 4, 8, 8], generator: new Generator(6));
        float ac1 = AlphaCumprod(1);
        float ac0 = AlphaCumprod(0);
        Tensor x = (clean * MathF.Sqrt(ac1)) + (eps * MathF.Sqrt(1 - ac1));
        Tensor v = (eps * MathF.Sqrt(ac1)) - (clean * MathF.Sqrt(1 - ac1));
        Tensor next = run.Step(v, x);
        TensorAssert.Close((clean * MathF.Sqrt(ac0)) + (eps * MathF.Sqrt(1 - ac0)), next, 1e-5);
    }

    private static float AlphaCumprod(int t)
    {
        double b0 = Math.Sqrt(0.00085), b1 = Math.Sqrt(0.012);
        double product = 1;
        for (int i = 0; i <= t; i++)
        {
            float b = (float)(b0 + ((b1 - b0) * i / 999));
            product *= 1f - (b * b);
        }

        return (float)product;
    }
}
