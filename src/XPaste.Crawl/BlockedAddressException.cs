using System.Net;

namespace XPaste.Crawl;

/// <summary>A host resolved only to addresses the crawl may not reach (loopback, private, link-local, ...).</summary>
public sealed class BlockedAddressException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="host">The host name.</param>
    /// <param name="addresses">What it resolved to.</param>
    public BlockedAddressException(string host, IReadOnlyList<IPAddress> addresses)
        : base($"{host} resolves only to non-public addresses ({string.Join(", ", addresses)}); CrawlOptions.AllowPrivateAddresses allows them")
    {
        Host = host;
        Addresses = addresses;
    }

    /// <summary>The host name.</summary>
    public string Host { get; }

    /// <summary>The addresses it resolved to.</summary>
    public IReadOnlyList<IPAddress> Addresses { get; }
}
