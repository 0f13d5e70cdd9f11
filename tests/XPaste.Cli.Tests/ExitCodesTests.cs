using Microsoft.Extensions.Options;
using XPaste.Augment;
using XPaste.Bank;
using XPaste.Coco;
using XPaste.Hub;

namespace XPaste.Cli.Tests;

public sealed class ExitCodesTests
{
    public static TheoryData<Exception, int> Cases() => new()
    {
        { new InvalidInputException("a.json", "not JSON"), ExitCodes.Failure },
        { new InvalidInputException("--width", "81 is not a positive multiple of 8"), ExitCodes.Failure },
        { new CocoFormatException("a.json", 7, "bad box"), ExitCodes.Failure },
        { new InvalidBankException("bank", "not empty"), ExitCodes.Failure },
        { new AugmentRunConflictException("out", "other settings", []), ExitCodes.Failure },
        { new BankLockedException("bank", "bank/.lock", "pid 1"), ExitCodes.Failure },
        { new AugmentRunLockedException("out", "out/.xpaste-run/.lock"), ExitCodes.Failure },
        { new HubNotFoundException("org/model: not found"), ExitCodes.Failure },
        { new HubOfflineException("org/model: not cached"), ExitCodes.Failure },
        { new IOException("disk full"), ExitCodes.Failure },
        { new CliUsageException("--count: must be at least 1"), ExitCodes.Usage },
        { new AggregateException(new CliUsageException("--count: must be at least 1")), ExitCodes.Usage },
        { new ArgumentException("a caller bug"), ExitCodes.Failure },
        { new ArgumentNullException("images"), ExitCodes.Failure },
        { new ArgumentOutOfRangeException("count"), ExitCodes.Failure },
        { new OptionsValidationException("XPasteOptions", typeof(object), ["Seed is bad"]), ExitCodes.Usage },
        { new OperationCanceledException(), ExitCodes.Canceled },
        { new TaskCanceledException(), ExitCodes.Canceled },
        { new AggregateException(new InvalidBankException("bank", "corrupt")), ExitCodes.Failure },
        { new AggregateException(new OperationCanceledException()), ExitCodes.Canceled },
        { new InvalidOperationException("a bug"), ExitCodes.Failure },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_exception_has_one_exit_code(Exception exception, int expected) =>
        Assert.Equal(expected, ExitCodes.For(exception));

    [Fact]
    public void The_same_problem_exits_the_same_way_whichever_command_meets_it()
    {
        // Bad data is a failure (1), never a usage error (2): a corrupt bank met by `bank stats` and by `augment`.
        Assert.Equal(ExitCodes.For(new InvalidBankException("bank", "corrupt")), ExitCodes.For(new CocoFormatException("d.json", null, "corrupt")));
        Assert.NotEqual(ExitCodes.Usage, ExitCodes.Failure);
    }

    [Fact]
    public void Library_errors_print_one_line_and_bugs_keep_their_trace()
    {
        Assert.True(ExitCodes.IsExpected(new InvalidBankException("bank", "corrupt")));
        Assert.True(ExitCodes.IsExpected(new BankLockedException("bank", "bank/.lock", null)));
        Assert.True(ExitCodes.IsExpected(new HubException("org/model: HTTP 500")));
        Assert.False(ExitCodes.IsExpected(new FormatException()));
        Assert.False(ExitCodes.IsExpected(new InvalidOperationException()));
        Assert.False(ExitCodes.IsExpected(new ArgumentNullException("images")));
        Assert.True(ExitCodes.IsExpected(new CliUsageException("--count: must be at least 1")));
        Assert.Equal("error: --count: must be at least 1", ExitCodes.Describe(new CliUsageException("--count: must be at least 1")));
        Assert.Equal("error: bank: corrupt", ExitCodes.Describe(new InvalidBankException("bank", "corrupt")));
        Assert.Equal("cancelled", ExitCodes.Describe(new OperationCanceledException()));
    }
}
