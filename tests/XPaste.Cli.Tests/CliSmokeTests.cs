namespace XPaste.Cli.Tests;

public sealed class CliSmokeTests
{
    [Fact]
    public async Task Help_lists_the_commands_and_exits_zero()
    {
        CliResult result = await CliRunner.RunAsync(["--help"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("inspect", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("augment", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_command_is_a_usage_error_without_a_stack_trace()
    {
        CliResult result = await CliRunner.RunAsync(["no-such-command"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }
}
