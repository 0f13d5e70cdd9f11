namespace XPaste.Augment;

/// <summary>
/// Runs several policies one after the other on the same destination, concatenating their steps. X-Paste's "both"
/// mode is <c>new CompositePastePolicy(new XPastePolicy(), new SimpleCopyPastePolicy())</c>: pool instances first,
/// then another image's objects on top, as in the reference.
/// </summary>
public sealed class CompositePastePolicy : IPastePolicy
{
    private readonly IPastePolicy[] _policies;

    /// <summary>Creates the composite.</summary>
    /// <param name="policies">The policies, in order.</param>
    public CompositePastePolicy(params IPastePolicy[] policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        if (policies.Length == 0 || Array.Exists(policies, p => p is null))
        {
            throw new ArgumentException("at least one policy, none null", nameof(policies));
        }

        _policies = [.. policies];
    }

    /// <summary>The policies, in order.</summary>
    public IReadOnlyList<IPastePolicy> Policies => _policies;

    /// <inheritdoc />
    public IReadOnlyList<PasteStep> Plan(PasteContext context, PasteRandom random)
    {
        var steps = new List<PasteStep>();
        foreach (IPastePolicy policy in _policies)
        {
            steps.AddRange(policy.Plan(context, random));
        }

        return steps;
    }
}
