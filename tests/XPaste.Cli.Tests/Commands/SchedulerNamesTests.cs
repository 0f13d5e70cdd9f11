using XPaste.Cli.Commands;
using XPaste.Generation.Schedulers;

namespace XPaste.Cli.Tests.Commands;

/// <summary>The <c>--scheduler</c> names, parsed by the CLI (the library takes <see cref="SchedulerKind"/>).</summary>
public sealed class SchedulerNamesTests
{
    [Theory]
    [InlineData("config", SchedulerKind.Config)]
    [InlineData("dpm", SchedulerKind.Dpm)]
    [InlineData("DDIM", SchedulerKind.Ddim)]
    [InlineData("pndm", SchedulerKind.Pndm)]
    [InlineData("euler", SchedulerKind.Euler)]
    [InlineData("euler-a", SchedulerKind.EulerAncestral)]
    [InlineData("lcm", SchedulerKind.Lcm)]
    public void Each_name_parses_to_its_kind(string name, SchedulerKind expected)
    {
        Assert.Equal(expected, SchedulerNames.Parse(name));
        Assert.Contains(name.ToLowerInvariant(), SchedulerNames.Names);
    }

    [Fact]
    public void An_unknown_name_is_a_usage_error_naming_the_option_and_the_choices()
    {
        var ex = Assert.Throws<CliUsageException>(() => SchedulerNames.Parse("heun"));
        Assert.Contains("--scheduler: 'heun'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("euler-a", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Enum.GetValues<SchedulerKind>().Length, SchedulerNames.Names.Count);
    }
}
