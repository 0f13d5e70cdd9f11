using Microsoft.Extensions.Logging;

namespace XPaste.Augment;

/// <summary>The library's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Augmented {Count} images ({Steps} paste steps) in {Milliseconds:F1} ms")]
    public static partial void BatchAugmented(ILogger logger, int count, int steps, double milliseconds);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Augmenting epoch {Epoch} failed")]
    public static partial void EpochFailed(ILogger logger, Exception exception, int epoch);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{Folder}: resuming, {Committed} of {Batches} batches were already done")]
    public static partial void RunResumed(ILogger logger, string folder, int committed, int batches);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "{Folder}: the run is already complete")]
    public static partial void RunAlreadyComplete(ILogger logger, string folder);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "{Path}: batch file unusable ({Problem}); making the batch again")]
    public static partial void BatchFileDiscarded(ILogger logger, string path, string problem);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "{Folder}: removed {Count} temporary files left by an interrupted run")]
    public static partial void TemporaryFilesRemoved(ILogger logger, string folder, int count);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "{Folder}: removed {Count} files of an earlier run (overwrite)")]
    public static partial void RunCleared(ILogger logger, string folder, int count);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "{Folder}: the run of {Recorded} images is extended to {Current}")]
    public static partial void RunExtended(ILogger logger, string folder, string recorded, string current);
}
