using Microsoft.Extensions.Logging;

namespace XPaste.Crawl;

/// <summary>The crawler's log messages.</summary>
internal static partial class CrawlLogMessages
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "{Log}: {Done} of {Total} URLs already settled; resuming")]
    public static partial void Resuming(ILogger logger, string log, int done, int total);

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "{Log}: {Count} URLs that failed before are tried again")]
    public static partial void Retrying(ILogger logger, string log, int count);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "{File}: written after the last log line by an interrupted crawl; removed")]
    public static partial void RemovedOrphan(ILogger logger, string file);

    [LoggerMessage(EventId = 102, Level = LogLevel.Debug, Message = "{Url}: network error")]
    public static partial void NetworkError(ILogger logger, Exception exception, Uri url);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "{Robots}: HTTP {Status}; RFC 9309 says to assume everything is disallowed")]
    public static partial void RobotsServerError(ILogger logger, Uri robots, int status);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "{Log}: record {Index} names {File}, which is missing or damaged (a crash before it reached the disk); redoing the crawl from there")]
    public static partial void RedoingFrom(ILogger logger, string log, int index, string file);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "{Robots}: unreachable ({Problem})")]
    public static partial void RobotsUnreachable(ILogger logger, Uri robots, string problem);
}
