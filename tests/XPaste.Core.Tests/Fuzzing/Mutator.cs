using System.Text;
using CsCheck;

namespace XPaste.Tests.Fuzzing;

/// <summary>
/// Random mutations of a valid input, reproducible from one seed: bytes flipped, replaced, deleted, duplicated, and
/// tokens that break parsers (negative and huge numbers, NaN, nulls, strings where numbers go) spliced in.
/// </summary>
internal static class Mutator
{
    /// <summary>How long each fuzz property runs: a few seconds in CI (FUZZ_SECONDS overrides it for longer runs).</summary>
    public static int Seconds { get; } = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SECONDS"), out int s) && s > 0 ? s : 3;

    private static readonly byte[][] Tokens =
    [
        .. new[]
        {
            "-1", "0", "1e308", "-1e308", "NaN", "null", "true", "\"x\"", "[]", "{}", "[[", "]]", "99999999999", "2147483648",
            "-2147483649", "4294967296", "1.5", "\"\\u0000\"", ",", ":", "\"", "\\", "[-5, -5, -5, -5]", "[1e9, 1e9, 1, 1]",
        }.Select(Encoding.UTF8.GetBytes),
    ];

    /// <summary>Generates mutated copies of <paramref name="original"/>, each with 1 to 8 mutations.</summary>
    public static Gen<(int Seed, byte[] Bytes)> Of(byte[] original) =>
        Gen.Int.Select(seed => (seed, Apply(original, seed)));

    /// <summary>The mutated copy for one seed.</summary>
    public static byte[] Apply(byte[] original, int seed)
    {
        var random = new Random(seed);
        var bytes = new List<byte>(original);
        int count = random.Next(1, 9);
        for (int i = 0; i < count && bytes.Count > 0; i++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 16)));
                    break;
                case 3:
                    int length = Math.Min(bytes.Count - at, random.Next(1, 32));
                    bytes.InsertRange(random.Next(bytes.Count), bytes.GetRange(at, length));
                    break;
                default:
                    // Replace a short run (often a number or a bracket) with a token.
                    int replaced = Math.Min(bytes.Count - at, random.Next(0, 4));
                    bytes.RemoveRange(at, replaced);
                    bytes.InsertRange(at, Tokens[random.Next(Tokens.Length)]);
                    break;
            }
        }

        return [.. bytes];
    }
}
