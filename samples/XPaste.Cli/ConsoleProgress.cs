using Spectre.Console;

namespace XPaste.Cli;

/// <summary>Shows an <see cref="IProgress{T}"/> of <see cref="OperationProgress"/> as progress bars, one per stage.</summary>
internal static class ConsoleProgress
{
    /// <summary>Runs <paramref name="work"/> with live progress bars on standard error; Ctrl+C cancels it.</summary>
    public static async Task<T> RunAsync<T>(string title, Func<IProgress<OperationProgress>, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
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
                            task = context.AddTask($"{title}: {Markup.Escape(p.Stage)}", maxValue: Math.Max(1, p.Total ?? 1));
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

    /// <summary>Reports on the calling thread (unlike <see cref="Progress{T}"/>, which posts to a context).</summary>
    private sealed class SynchronousProgress<TValue>(Action<TValue> report) : IProgress<TValue>
    {
        public void Report(TValue value) => report(value);
    }
}
