namespace XPaste.Augment;

/// <summary>
/// The random numbers behind every augmentation decision: xoshiro256** seeded through SplitMix64. Unlike
/// <see cref="Random"/>, its sequence is fixed by this library (not by the runtime), so a seed gives the same plans on
/// every .NET version; integers and uniforms are exact on every platform. Normal draws use <c>Math.Log</c> and
/// <c>Math.Cos</c>, so in rare last-bit cases they may differ between operating systems: a logged plan, which
/// stores the decisions themselves, replays exactly everywhere. Not thread-safe: use one per sample.
/// </summary>
public sealed class PasteRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Creates a generator from a 64-bit seed.</summary>
    /// <param name="seed">Any value; equal seeds give equal sequences.</param>
    public PasteRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>
    /// The seed of one sample, derived from the run's seed and the sample's index so that samples are independent of
    /// one another and of the order (or the thread) in which they are made.
    /// </summary>
    /// <param name="seed">The run's seed, as the caller set it.</param>
    /// <param name="sampleIndex">The sample's position in the run (for example epoch x dataset size + position).</param>
    /// <returns>The sample's seed.</returns>
    public static ulong SampleSeed(long seed, long sampleIndex)
    {
        ulong x = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL) ^ 0x5851F42D4C957F2DUL;
        ulong a = SplitMix64(ref x);
        x ^= unchecked((ulong)sampleIndex);
        return a ^ SplitMix64(ref x);
    }

    /// <summary>The next 64 random bits.</summary>
    /// <returns>A uniformly distributed 64-bit value.</returns>
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform integer in <c>[0, maxExclusive)</c> (without modulo bias).</summary>
    /// <param name="maxExclusive">The exclusive upper bound; must be positive.</param>
    /// <returns>The integer.</returns>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)NextBelow((ulong)maxExclusive);
    }

    /// <summary>A uniform integer in <c>[minInclusive, maxExclusive)</c>.</summary>
    /// <param name="minInclusive">The lower bound.</param>
    /// <param name="maxExclusive">The exclusive upper bound; greater than <paramref name="minInclusive"/>.</param>
    /// <returns>The integer.</returns>
    public int NextInt(int minInclusive, int maxExclusive)
    {
        if (maxExclusive <= minInclusive)
        {
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), $"empty range [{minInclusive}, {maxExclusive})");
        }

        return (int)(minInclusive + (long)NextBelow((ulong)((long)maxExclusive - minInclusive)));
    }

    /// <summary>A uniform double in <c>[0, 1)</c> with 53 random bits.</summary>
    /// <returns>The value.</returns>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform double in <c>[min, max)</c>.</summary>
    /// <param name="min">The lower bound.</param>
    /// <param name="max">The upper bound.</param>
    /// <returns>The value.</returns>
    public double NextUniform(double min, double max) => min + ((max - min) * NextDouble());

    /// <summary>True with probability <paramref name="probability"/>.</summary>
    /// <param name="probability">In [0, 1].</param>
    /// <returns>The outcome.</returns>
    public bool NextBool(double probability) => NextDouble() < probability;

    /// <summary>A standard normal draw (Box-Muller, one value per call).</summary>
    /// <returns>The value.</returns>
    public double NextNormal()
    {
        // 1 - u is in (0, 1], so the logarithm is finite.
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>
    /// Picks <paramref name="count"/> distinct indices from <c>[0, n)</c> in random order (a partial Fisher-Yates
    /// shuffle), like numpy's <c>choice(n, count, replace=False)</c>.
    /// </summary>
    /// <param name="n">The number of items.</param>
    /// <param name="count">How many to pick, at most <paramref name="n"/>.</param>
    /// <returns>The picked indices.</returns>
    public int[] Choose(int n, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, n);
        int[] items = new int[n];
        for (int i = 0; i < n; i++)
        {
            items[i] = i;
        }

        for (int i = 0; i < count; i++)
        {
            int j = NextInt(i, n);
            (items[i], items[j]) = (items[j], items[i]);
        }

        return items[..count];
    }

    /// <summary>Shuffles a span in place (Fisher-Yates).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="items">The items.</param>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private ulong NextBelow(ulong bound)
    {
        // Lemire's multiply-shift with rejection: exact and unbiased.
        ulong x = NextUInt64();
        UInt128 m = (UInt128)x * bound;
        ulong low = (ulong)m;
        if (low < bound)
        {
            ulong threshold = unchecked(0UL - bound) % bound;
            while (low < threshold)
            {
                x = NextUInt64();
                m = (UInt128)x * bound;
                low = (ulong)m;
            }
        }

        return (ulong)(m >> 64);
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
