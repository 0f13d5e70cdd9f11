using System.Net;
using SkiaSharp;
using XPaste.Crawl;
using XPaste.Imaging;

namespace XPaste.Crawl.Tests;

public sealed class CrawlRulesTests
{
    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("2606:4700:4700::1111", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::ffff:8.8.8.8", true)]
    public void Only_public_unicast_addresses_pass_the_guard(string address, bool isPublic) =>
        Assert.Equal(isPublic, AddressGuard.IsPublic(IPAddress.Parse(address)));

    [Fact]
    public void Robots_rules_use_the_longest_match_wildcards_and_the_crawlers_own_group()
    {
        const string text = """
            User-agent: *
            Disallow: /private/
            Allow: /private/public-*.jpg$
            Disallow: /*.gif$

            User-agent: Otherbot
            Disallow: /
            """;
        RobotsRules rules = RobotsRules.Parse(text, "xpaste-crawl");

        Assert.True(rules.IsAllowed(new Uri("http://h/a.jpg")));
        Assert.False(rules.IsAllowed(new Uri("http://h/private/a.jpg")));
        Assert.True(rules.IsAllowed(new Uri("http://h/private/public-1.jpg")));
        Assert.False(rules.IsAllowed(new Uri("http://h/private/public-1.jpg?x=1")));
        Assert.False(rules.IsAllowed(new Uri("http://h/x/y.gif")));
        Assert.True(rules.IsAllowed(new Uri("http://h/x/y.gif2")));
        Assert.False(RobotsRules.Parse(text, "otherbot").IsAllowed(new Uri("http://h/a.jpg")));
        // Our own group replaces the * group.
        RobotsRules own = RobotsRules.Parse("User-agent: *\nDisallow: /\n\nUser-agent: xpaste-crawl\nDisallow: /no/\n", "xpaste-crawl");
        Assert.True(own.IsAllowed(new Uri("http://h/a.jpg")));
        Assert.False(own.IsAllowed(new Uri("http://h/no/a.jpg")));
    }

    [Fact]
    public void Robots_patterns_with_many_stars_match_in_linear_time()
    {
        RobotsRules rules = RobotsRules.Parse("User-agent: *\nDisallow: /" + string.Concat(Enumerable.Repeat("*a", 40)) + "b\n", "x");

        Assert.True(rules.IsAllowed(new Uri("http://h/" + new string('a', 2000))));
    }

    [Fact]
    public void Perceptual_hashes_of_resized_and_reencoded_copies_are_close_and_of_other_photos_far()
    {
        ulong original = Hash(TestImages.Photo("chelsea.png"));
        ulong smaller = Hash(TestImages.Photo("chelsea.png", quality: 60, scale: 0.5));
        ulong png = Hash(TestImages.Photo("chelsea.png", SKEncodedImageFormat.Png));
        ulong other = Hash(TestImages.Photo("coffee.png"));
        ulong another = Hash(TestImages.Photo("astronaut.png"));

        Assert.InRange(PerceptualHash.Distance(original, smaller), 0, 4);
        Assert.InRange(PerceptualHash.Distance(original, png), 0, 2);
        Assert.True(PerceptualHash.Distance(original, other) > 16, $"{PerceptualHash.Distance(original, other)} bits");
        Assert.True(PerceptualHash.Distance(original, another) > 16, $"{PerceptualHash.Distance(original, another)} bits");
    }

    [Fact]
    public void Retry_After_is_read_as_seconds_or_a_date_and_capped()
    {
        using var seconds = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        seconds.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(3));
        using var date = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        date.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(DateTimeOffset.UtcNow.AddHours(1));
        using var none = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);

        Assert.Equal(TimeSpan.FromSeconds(3), CrawlServiceCollectionExtensions.RetryAfter(seconds, TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromSeconds(30), CrawlServiceCollectionExtensions.RetryAfter(date, TimeSpan.FromSeconds(30)));
        Assert.Null(CrawlServiceCollectionExtensions.RetryAfter(none, TimeSpan.FromSeconds(30)));
    }

    private static ulong Hash(byte[] encoded)
    {
        using SKBitmap bitmap = SKBitmap.Decode(encoded).Copy(SKColorType.Rgba8888);
        return PerceptualHash.Compute(bitmap.GetPixelSpan(), bitmap.Width, bitmap.Height, bitmap.RowBytes);
    }
}
