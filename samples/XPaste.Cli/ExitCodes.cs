using Microsoft.Extensions.Options;

namespace XPaste.Cli;

/// <summary>
/// The tool's exit codes, and the one map from an exception to its code, so the same error exits the same way in
/// every command. Expected failures (see <see cref="IsExpected"/>) print as one line, <c>error: input: problem</c>;
/// anything else, an <see cref="ArgumentException"/> from the library included (a caller bug, here the tool's), is an
/// internal error: one line with a hint to <c>--debug</c>, exit <see cref="Failure"/>.
/// </summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>
    /// The command line was fine but the work failed: bad data (<see cref="InvalidInputException"/>), a folder another
    /// writer holds (<see cref="FolderLockedException"/>), a model the Hub could not deliver
    /// (<see cref="Hub.HubException"/>), a file-system error, or a bug.
    /// </summary>
    public const int Failure = 1;

    /// <summary>
    /// The command line itself is wrong: an unknown command or option, options that conflict or a value out of range
    /// (the tool's own <see cref="CliUsageException"/>; an <see cref="OptionsValidationException"/>, since the tool builds
    /// options from the command line). System.CommandLine's own parse
    /// errors exit with this code too. An <see cref="InvalidInputException"/> is always <see cref="Failure"/>, also when
    /// its input is an option (<c>--weights</c>, <c>--width</c>): one exception type, one code.
    /// </summary>
    public const int Usage = 2;

    /// <summary>Cancelled (Ctrl+C); what was committed is kept and the same command resumes. 128 + SIGINT, as shells expect.</summary>
    public const int Canceled = 130;

    /// <summary>The exit code for a command that ended with <paramref name="exception"/>.</summary>
    /// <param name="exception">What the command threw.</param>
    /// <returns>One of the codes above.</returns>
    public static int For(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return Unwrap(exception) switch
        {
            OperationCanceledException => Canceled,
            CliUsageException or OptionsValidationException => Usage,
            _ => Failure,
        };
    }

    /// <summary>
    /// Whether <paramref name="exception"/> is an outcome the user can act on, printed as one line without a stack
    /// trace: the <see cref="XPasteException"/> family, usage errors, cancellation, and file-system errors. An
    /// <see cref="ArgumentException"/> is not: the library throws it for caller bugs only.
    /// </summary>
    /// <param name="exception">What the command threw.</param>
    /// <returns>True unless the exception looks like a bug.</returns>
    public static bool IsExpected(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return Unwrap(exception) is XPasteException or OperationCanceledException or CliUsageException or OptionsValidationException
            or IOException or UnauthorizedAccessException;
    }

    /// <summary>The one line printed for an expected failure: <c>error: input: problem</c>.</summary>
    /// <param name="exception">What the command threw.</param>
    /// <returns>The line, without a stack trace.</returns>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        Exception inner = Unwrap(exception);
        return inner switch
        {
            OperationCanceledException => "cancelled",
            _ => $"error: {inner.Message}",
        };
    }

    /// <summary>A task that failed with one exception surfaces it wrapped; the code is the wrapped exception's.</summary>
    private static Exception Unwrap(Exception exception) =>
        exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? Unwrap(aggregate.InnerExceptions[0]) : exception;
}
