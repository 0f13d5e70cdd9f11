using XPaste.Runtime;

namespace XPaste.Tests.Runtime;

/// <summary>The process-wide CPU settings XPaste applies (malloc keeping large blocks, passive OpenMP waits).</summary>
public sealed class CpuSettingsTests
{
    [Theory]
    [InlineData("0", true)]
    [InlineData(" off ", true)]
    [InlineData("FALSE", true)]
    [InlineData("1", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void The_malloc_switch_reads_off_values(string? value, bool off) => Assert.Equal(off, NativeAllocator.IsOff(value));

    [Fact]
    public void Loading_a_model_applies_the_malloc_settings_on_glibc_unless_switched_off()
    {
        TorchSharpRuntime.EnsureLoaded();
        using var model = new XPaste.Extraction.U2Net(small: true);
        XPaste.Weights.StateDictLoader.Load(model, model.state_dict(), "self");
        bool expected = OperatingSystem.IsLinux() && !NativeAllocator.IsOff(Environment.GetEnvironmentVariable(NativeAllocator.Switch));
        Assert.Equal(expected, NativeAllocator.Tuned);
        Assert.Contains(expected ? "malloc keeps large blocks" : "malloc defaults", TorchSharpRuntime.DescribeSettings(), StringComparison.Ordinal);
    }
}
