namespace XPaste.Cli.Tests;

/// <summary>Tests that swap <see cref="Console.Error"/> run alone.</summary>
[CollectionDefinition(nameof(ConsoleAlone), DisableParallelization = true)]
public sealed class ConsoleAlone;

/// <summary>How a failure is shown: a user's mistake as usage (exit 2), a library's <see cref="ArgumentException"/> as an internal error.</summary>
[Collection(nameof(ConsoleAlone))]
public sealed class CliErrorsTests
{
    [Fact]
    public void An_argument_exception_from_the_library_is_an_internal_error_with_a_hint_to_debug_not_a_usage_error()
    {
        (int code, string text) = Report(new ArgumentNullException("images"), debug: false);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.StartsWith("error: internal error (ArgumentNullException): ", text, StringComparison.Ordinal);
        Assert.Contains("--debug", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shape_check_failing_inside_a_model_is_an_internal_error_too()
    {
        (int code, string text) = Report(new ArgumentException("expected [N,C,H,W], got [3,8]", "input"), debug: false);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("internal error", text, StringComparison.Ordinal);
        Assert.Contains("--debug", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_command_line_mistake_is_a_usage_error_on_one_line()
    {
        (int code, string text) = Report(new CliUsageException("--count: must be at least 1 (got 0)"), debug: false);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("error: --count: must be at least 1 (got 0)", text.Trim());
    }

    [Fact]
    public void With_debug_an_internal_error_keeps_its_stack_trace()
    {
        Exception thrown;
        try
        {
            throw new InvalidOperationException("a bug");
        }
        catch (InvalidOperationException ex)
        {
            thrown = ex;
        }

        (int code, string text) = Report(thrown, debug: true);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("internal error (InvalidOperationException): a bug", text, StringComparison.Ordinal);
        Assert.Contains("   at ", text, StringComparison.Ordinal);
    }

    private static (int Code, string Text) Report(Exception exception, bool debug)
    {
        TextWriter before = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            int code = CliErrors.Report(exception, debug);
            return (code, captured.ToString());
        }
        finally
        {
            Console.SetError(before);
        }
    }
}
