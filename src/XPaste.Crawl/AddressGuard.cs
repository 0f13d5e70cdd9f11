using System.Net;
using System.Net.Sockets;

namespace XPaste.Crawl;

/// <summary>
/// Decides which resolved addresses a crawl may connect to, and connects only to those: the check runs on the
/// addresses actually dialled (inside <see cref="SocketsHttpHandler.ConnectCallback"/>), so a name that resolves to a
/// public address when checked and to a private one when connecting (DNS rebinding) cannot slip through.
/// </summary>
internal static class AddressGuard
{
    /// <summary>Whether <paramref name="address"/> is a public unicast address (not loopback, private, link-local, ...).</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return !(b[0] == 0 // "this" network
                || b[0] == 10 // private
                || b[0] == 127 // loopback
                || (b[0] == 100 && (b[1] & 0xC0) == 64) // carrier-grade NAT 100.64/10
                || (b[0] == 169 && b[1] == 254) // link-local (cloud metadata lives here)
                || (b[0] == 172 && (b[1] & 0xF0) == 16) // private 172.16/12
                || (b[0] == 192 && b[1] == 168) // private
                || (b[0] == 192 && b[1] == 0 && b[2] == 0) // IETF protocol assignments
                || (b[0] == 198 && (b[1] & 0xFE) == 18) // benchmarking 198.18/15
                || b[0] >= 224); // multicast, reserved, broadcast
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Span<byte> b = stackalloc byte[16];
            address.TryWriteBytes(b, out _);
            return !(IPAddress.IPv6Loopback.Equals(address) || IPAddress.IPv6None.Equals(address)
                || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (b[0] & 0xFE) == 0xFC // unique local fc00::/7
                || (b[0] == 0x20 && b[1] == 0x02 && !IsPublicEmbedded(b)) // 6to4 of a private IPv4
                || (b[0] == 0 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && !IsPublicNat64(b))); // NAT64 64:ff9b::/96
        }

        return false;
    }

    /// <summary>Resolves <paramref name="host"/> (or parses it when it is an address literal).</summary>
    public static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        string bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (IPAddress.TryParse(bare, out IPAddress? literal))
        {
            return [literal];
        }

        return await Dns.GetHostAddressesAsync(bare, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The addresses of <paramref name="host"/> a crawl may dial; throws when there are none.</summary>
    public static async Task<IPAddress[]> AllowedAddressesAsync(string host, bool allowPrivate, CancellationToken cancellationToken)
    {
        IPAddress[] all = await ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        IPAddress[] allowed = allowPrivate ? all : Array.FindAll(all, IsPublic);
        if (allowed.Length == 0)
        {
            throw new BlockedAddressException(host, all);
        }

        return allowed;
    }

    /// <summary>The connect step for <see cref="SocketsHttpHandler"/>: resolve, check, then dial only checked addresses.</summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback(bool allowPrivate) =>
        async (context, cancellationToken) =>
        {
            IPAddress[] addresses = await AllowedAddressesAsync(context.DnsEndPoint.Host, allowPrivate, cancellationToken).ConfigureAwait(false);
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };

    private static bool IsPublicEmbedded(ReadOnlySpan<byte> b) => IsPublic(new IPAddress(b.Slice(2, 4)));

    private static bool IsPublicNat64(ReadOnlySpan<byte> b) => IsPublic(new IPAddress(b.Slice(12, 4)));
}
