using XPaste.Coco;

namespace XPaste.Augment;

/// <summary>
/// The X-Paste policy (reference section 4): a uniform number of instances, picked class-balanced from the pool,
/// each sized from its category's size statistics with its own aspect ratio jittered, randomly flipped, its centre
/// uniform over the image.
/// </summary>
public sealed class XPastePolicy : IPastePolicy
{
    /// <summary>Creates the policy.</summary>
    /// <param name="options">The settings; the defaults are the reference's.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public XPastePolicy(XPastePolicyOptions? options = null)
    {
        Options = options ?? new XPastePolicyOptions();
        OptionsValidation.ThrowIfInvalid(new XPastePolicyOptionsValidator(), Options);
    }

    /// <summary>The settings.</summary>
    public XPastePolicyOptions Options { get; }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The context has no instance pool.</exception>
    public IReadOnlyList<PasteStep> Plan(PasteContext context, PasteRandom random)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(random);
        IPasteInstancePool pool = context.Pool ?? throw new InvalidOperationException("the X-Paste policy needs an instance pool");
        XPastePolicyOptions o = Options;
        int count = random.NextInt(o.MinCount, o.MaxCount + 1);
        if (count == 0 || pool.Instances.Count == 0)
        {
            return [];
        }

        // Which instances first, then each one's geometry (the reference's order).
        var chosen = new int[count];
        for (int i = 0; i < count; i++)
        {
            chosen[i] = Pick(pool, random);
        }

        int h = context.Height, w = context.Width;
        var steps = new List<PasteStep>(count);
        foreach (int index in chosen)
        {
            PasteInstanceInfo info = pool.Instances[index];
            (double mean, double std) = context.Sizes is { } sizes
                ? (sizes.Get(info.CategoryId).Mean, sizes.Get(info.CategoryId).Std)
                : (o.DefaultSizeMean, o.DefaultSizeStd);
            // Math.Max/Min rather than Clamp: with tiny images 10 / H can exceed MaxSize, and then MaxSize wins.
            double s = Math.Min(Math.Max(mean + (std * random.NextNormal()), o.MinSizePixels / h), o.MaxSize);
            double area = s * s * h * w;
            double ratio = (double)info.Width / info.Height * random.NextUniform(1 - o.AspectJitter, 1 + o.AspectJitter);
            // Truncation as in the reference, which derives the height from the width before truncating it.
            double exactWidth = Math.Sqrt(ratio * area);
            int tw = (int)exactWidth;
            int th = o.Rounding == PlacementRounding.Reference ? (int)(exactWidth / ratio) : (int)(tw / ratio);
            if (tw < o.MinSide || tw >= w || th < o.MinSide || th >= h)
            {
                continue;
            }

            bool flip = random.NextBool(o.FlipProbability);
            // Top-left such that the box centre is uniform over the image. The reference's numpy randint truncates its
            // float bounds (-w/2, W - w/2): for odd sizes its upper bound is one below the symmetric range's.
            int x = random.NextInt(-(tw / 2), UpperBound(w, tw, o.Rounding));
            int y = random.NextInt(-(th / 2), UpperBound(h, th, o.Rounding));
            steps.Add(new InstancePasteStep(index, info.Id, info.CategoryId, x, y, tw, th, flip));
        }

        return steps;
    }

    private static int UpperBound(int imageSide, int side, PlacementRounding rounding) =>
        rounding == PlacementRounding.Reference ? (int)(imageSide - (side / 2.0)) : imageSide - (side / 2);

    private int Pick(IPasteInstancePool pool, PasteRandom random)
    {
        if (Options.Sampling == InstanceSampling.Uniform)
        {
            return random.NextInt(pool.Instances.Count);
        }

        IReadOnlyList<int> categories = pool.Categories;
        IReadOnlyList<int> members = pool.InstancesOf(categories[random.NextInt(categories.Count)]);
        return members[random.NextInt(members.Count)];
    }
}
