using Spectre.Console;

namespace XPaste.Cli;

/// <summary>Shows an <see cref="IProgress{T}"/> of <see cref="OperationProgress"/> as progress bars, one per stage.</summary>
internal static class ConsoleProgress
{
    /// <summary>
    /// Runs <paramref name="work"/> with live progress bars on standard error; Ctrl+C cancels it. When standard error
    /// is not a terminal (a log, CI), progress is written as plain lines at every tenth instead.
    /// </summary>
    public static async Task<T> RunAsync<T>(string title, Func<IProgress<OperationProgress>, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        if (Console.IsErrorRedirected)
        {
            return await work(new PlainLines(title), cancellationToken).ConfigureAwait(false);
        }

        TextWriter stderr = Console.Error;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stderr) });
        // Lines the work writes to standard error go through the live display, above the bars, instead of through it.
        using var forwarder = new LineForwarder(console);
        Console.SetError(forwarder);
        try
        {
            return await RunLiveAsync(console, title, work, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Console.SetError(stderr);
        }
    }

    private static async Task<T> RunLiveAsync<T>(IAnsiConsole console, string title, Func<IProgress<OperationProgress>, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        T result = default!;
        await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                var progress = new SynchronousProgress<OperationProgress>(p =>
                {
                    lock (tasks)
                    {
                        if (!tasks.TryGetValue(p.Stage, out ProgressTask? task))
                        {
                            task = context.AddTask(Markup.Escape(Label(title, p.Stage)), maxValue: Math.Max(1, p.Total ?? 1));
                            tasks.Add(p.Stage, task);
                        }

                        if (p.Total is { } total)
                        {
                            task.MaxValue = Math.Max(1, total);
                            task.IsIndeterminate = false;
                        }
                        else
                        {
                            task.IsIndeterminate = true;
                        }

                        task.Value = p.Done;
                    }
                });
                result = await work(progress, cancellationToken).ConfigureAwait(false);
                lock (tasks)
                {
                    foreach (ProgressTask task in tasks.Values)
                    {
                        task.Value = task.MaxValue;
                        task.StopTask();
                    }
                }
            }).ConfigureAwait(false);
        return result;
    }

    /// <summary>Collects written text into lines and hands each complete line to the live console.</summary>
    private sealed class LineForwarder(IAnsiConsole console) : TextWriter
    {
        private readonly System.Text.StringBuilder _line = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_line)
            {
                if (value == '\n')
                {
                    console.WriteLine(_line.ToString().TrimEnd('\r'));
                    _line.Clear();
                }
                else
                {
                    _line.Append(value);
                }
            }
        }

        protected override void Dispose(bool disposing)
        {
            lock (_line)
            {
                if (_line.Length > 0)
                {
                    console.WriteLine(_line.ToString());
                    _line.Clear();
                }
            }

            base.Dispose(disposing);
        }
    }

    private static string Label(string title, string stage) => stage == title ? title : $"{title}: {stage}";

    /// <summary>Progress as plain lines, one per stage at each further tenth done (and at the end).</summary>
    private sealed class PlainLines(string title) : IProgress<OperationProgress>
    {
        private readonly Dictionary<string, int> _tenths = new(StringComparer.Ordinal);

        public void Report(OperationProgress value)
        {
            lock (_tenths)
            {
                int tenth = value.Fraction is { } f ? (int)(f * 10) : -1;
                if (tenth < 0 || (_tenths.TryGetValue(value.Stage, out int last) && last >= tenth))
                {
                    return;
                }

                _tenths[value.Stage] = tenth;
                Console.Error.WriteLine($"{Label(title, value.Stage)}: {value.Done}/{value.Total} {value.Unit}");
            }
        }
    }

    /// <summary>Reports on the calling thread (unlike <see cref="Progress{T}"/>, which posts to a context).</summary>
    private sealed class SynchronousProgress<TValue>(Action<TValue> report) : IProgress<TValue>
    {
        public void Report(TValue value) => report(value);
    }
}
