using System.Reflection;
using Parquet;
using Parquet.Meta;

namespace XPaste.Crawl;

/// <summary>
/// Parses a footer exactly as Parquet.Net does (its own <c>FileMetaData.Read</c>, reached by reflection because its
/// Thrift reader is internal) over a stream that throws at its end. Parquet.Net's own parse reads its footer buffer
/// through a stream that returns -1 there, which its variable-length integers take for a continuation byte forever:
/// a footer that makes it read past the end (a known field given another type in the file, found by the URL-list fuzz
/// target) would hang the crawler. When the members are not found (another Parquet.Net version), the Thrift walk of
/// <see cref="ParquetFooterCheck"/> is the only check.
/// </summary>
internal static class ParquetFooterParse
{
    private static readonly System.Type? ReaderType = typeof(ParquetReader).Assembly.GetType("Parquet.Meta.Proto.ThriftCompactProtocolReader");

    private static readonly MethodInfo? Read = ReaderType is null ? null
        : typeof(FileMetaData).GetMethod("Read", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, [ReaderType]);

    /// <summary>True when Parquet.Net's footer parser was found (the check below runs).</summary>
    public static bool Available => Read is not null;

    /// <summary>Null when Parquet.Net parses <paramref name="footer"/> without reading past its end or failing, else why not.</summary>
    public static string? Problem(byte[] footer)
    {
        if (Read is null)
        {
            return null;
        }

        using var stream = new EndThrowingStream(footer);
        try
        {
            object reader = Activator.CreateInstance(ReaderType!, stream)!;
            Read.Invoke(null, [reader]);
            return null;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is EndOfStreamException)
        {
            return "it ends inside a structure as Parquet.Net reads it";
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null and not OutOfMemoryException)
        {
            return $"Parquet.Net cannot parse it: {ex.InnerException.Message}";
        }
        catch (TargetInvocationException ex) when (ex.InnerException is OutOfMemoryException)
        {
            return "it claims more elements than memory holds";
        }
    }

    /// <summary>A read-only memory stream whose reads past the end throw instead of returning -1 or 0.</summary>
    private sealed class EndThrowingStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override int ReadByte() => Position < Length ? base.ReadByte() : throw new EndOfStreamException();

        public override int Read(byte[] buffer, int offset, int count) =>
            count > 0 && Position >= Length ? throw new EndOfStreamException() : base.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) =>
            buffer.Length > 0 && Position >= Length ? throw new EndOfStreamException() : base.Read(buffer);
    }
}
