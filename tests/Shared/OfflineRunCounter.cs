using System.Collections.Concurrent;
using System.Diagnostics;

namespace XPaste.Tests;

/// <summary>
/// A test double for the offline pipeline's tracing: counts the <c>offline.run</c> activities of
/// <c>XPaste.Offline</c> whose bank lies under a folder, so a test sees which entry points went through the one pipeline
/// (other tests running at the same time write to other folders).
/// </summary>
internal sealed class OfflineRunCounter : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<string> _banks = new();

    public OfflineRunCounter(string root)
    {
        string prefix = Path.GetFullPath(root);
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "XPaste.Offline",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if (activity.OperationName == "offline.run" && activity.GetTagItem("xpaste.bank") is string bank
                    && Path.GetFullPath(bank).StartsWith(prefix, StringComparison.Ordinal))
                {
                    _banks.Enqueue(Path.GetFullPath(bank));
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The runs counted, by bank folder.</summary>
    public int RunsInto(string bank) => _banks.Count(b => b == Path.GetFullPath(bank));

    public void Dispose() => _listener.Dispose();
}
