using Microsoft.Extensions.Logging;

namespace XPaste.Bank;

/// <summary>The bank's log messages.</summary>
internal static partial class BankLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "{Segment}: instance '{Id}' differs from its earlier entry; keeping the earlier one")]
    public static partial void ConflictingDuplicate(ILogger logger, string segment, string id);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Opened instance bank {Folder}: {Instances} instances, {Rejected} rejected sources, {Segments} segments, {Duplicates} duplicate entries skipped")]
    public static partial void Opened(ILogger logger, string folder, int instances, int rejected, int segments, int duplicates);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Folder}: removed {Count} files left by an interrupted run")]
    public static partial void OrphansRemoved(ILogger logger, string folder, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Segment}: committed {Instances} instances and {Rejected} rejections")]
    public static partial void Committed(ILogger logger, string segment, int instances, int rejected);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Folder}: merged {Count} manifest segments into {Segment}")]
    public static partial void Compacted(ILogger logger, string folder, int count, string segment);
}
