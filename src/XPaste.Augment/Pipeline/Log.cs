using Microsoft.Extensions.Logging;

namespace XPaste.Augment;

/// <summary>The library's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Augmented {Count} images ({Steps} paste steps) in {Milliseconds:F1} ms")]
    public static partial void BatchAugmented(ILogger logger, int count, int steps, double milliseconds);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Augmenting epoch {Epoch} failed")]
    public static partial void EpochFailed(ILogger logger, Exception exception, int epoch);
}
