namespace XPaste.Augment;

/// <summary>
/// Simple Copy-Paste (reference section 5): another image of the dataset, jittered on its own to the destination's
/// size, gives a random subset of its objects, pasted where they are, all at once.
/// </summary>
public sealed class SimpleCopyPastePolicy : IPastePolicy
{
    /// <summary>Creates the policy.</summary>
    /// <param name="options">The settings; the defaults are the reference's.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public SimpleCopyPastePolicy(SimpleCopyPasteOptions? options = null)
    {
        Options = options ?? new SimpleCopyPasteOptions();
        OptionsValidation.ThrowIfInvalid(new SimpleCopyPasteOptionsValidator(), Options);
    }

    /// <summary>The settings.</summary>
    public SimpleCopyPasteOptions Options { get; }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The context has no dataset.</exception>
    public IReadOnlyList<PasteStep> Plan(PasteContext context, PasteRandom random)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(random);
        IAnnotatedImageSource dataset = context.Dataset ?? throw new InvalidOperationException("Simple Copy-Paste needs a dataset of annotated images");
        if (dataset.Images.Count == 0)
        {
            return [];
        }

        var jitterOptions = new LargeScaleJitterOptions
        {
            OutputWidth = context.Width,
            OutputHeight = context.Height,
            MinScale = Options.Jitter.MinScale,
            MaxScale = Options.Jitter.MaxScale,
            FlipProbability = Options.Jitter.FlipProbability,
        };
        var jitter = new LargeScaleJitter(jitterOptions);
        var steps = new List<PasteStep>(Options.SourceImages);
        for (int k = 0; k < Options.SourceImages; k++)
        {
            int source = random.NextInt(dataset.Images.Count);
            AnnotatedImageInfo info = dataset.Images[source];
            JitterPlan plan = Options.UseJitter
                ? jitter.Plan(info.Width, info.Height, random)
                : JitterPlan.Identity(info.Width, info.Height, context.Width, context.Height);
            // Box-only objects (detection labels) have no shape to cut out: only objects with masks are pasted.
            int[]? shaped = info.BoxOnly is null ? null : [.. Enumerable.Range(0, info.ObjectCount).Where(i => !info.IsBoxOnly(i))];
            int n = shaped?.Length ?? info.ObjectCount;
            // The reference counts the source's objects after its jitter; the plan must not depend on pixels, so this
            // counts the annotations (objects that leave the window are then skipped by the kernel).
            int take = random.NextInt(0, Math.Min(n + 1, Options.MaxObjects));
            if (take == 0)
            {
                continue;
            }

            int[] chosen = random.Choose(n, take);
            steps.Add(new ImagePasteStep(source, info.Id, plan, shaped is null ? chosen : [.. chosen.Select(i => shaped[i])]));
        }

        return steps;
    }
}
