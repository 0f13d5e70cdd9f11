using System.Collections.Concurrent;

namespace XPaste.Tests;

/// <summary>
/// Runs an async test body on one dedicated thread that all of the body's own continuations come back to.
/// TorchSharp's dispose scopes are thread-static: a scope opened in an async test and held across an <c>await</c>
/// that resumes on another thread would stay behind on the first thread's stack, where it captures (and later
/// disposes) tensors of whatever runs there next. Library code never holds a scope across an await; tests that want
/// one around async calls use this.
/// </summary>
internal static class TensorThread
{
    public static Task Run(Func<Task> body)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            using var context = new PumpContext();
            SynchronizationContext.SetSynchronizationContext(context);
            Task task;
            try
            {
                task = body();
            }
            catch (Exception e)
            {
                done.SetException(e);
                return;
            }

            task.ContinueWith(_ => context.Complete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            context.Pump();
            if (task.IsFaulted)
            {
                done.SetException(task.Exception!.InnerExceptions);
            }
            else if (task.IsCanceled)
            {
                done.SetCanceled();
            }
            else
            {
                done.SetResult();
            }
        })
        {
            IsBackground = true,
            Name = "xpaste-test",
        };
        thread.Start();
        return done.Task;
    }

    private sealed class PumpContext : SynchronizationContext, IDisposable
    {
        private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = [];

        public override void Post(SendOrPostCallback d, object? state) => _queue.Add((d, state));

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException();

        public void Complete() => _queue.CompleteAdding();

        public void Pump()
        {
            foreach (var (callback, state) in _queue.GetConsumingEnumerable())
            {
                callback(state);
            }
        }

        public void Dispose() => _queue.Dispose();
    }
}
