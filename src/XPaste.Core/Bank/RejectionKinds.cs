namespace XPaste.Bank;

/// <summary>The names reports and manifests use for <see cref="RejectionKind"/> values.</summary>
public static class RejectionKinds
{
    private static readonly Dictionary<RejectionKind, string> Names = new()
    {
        [RejectionKind.Other] = "other",
        [RejectionKind.EmptyMask] = "empty_mask",
        [RejectionKind.AreaBelowMin] = "area_below_min",
        [RejectionKind.AreaAboveMax] = "area_above_max",
        [RejectionKind.TooThin] = "too_thin",
        [RejectionKind.CutoutTooSmall] = "cutout_too_small",
        [RejectionKind.ClipRule] = "clip_rule",
        [RejectionKind.RealSimilarity] = "real_similarity",
        [RejectionKind.NearDuplicate] = "near_duplicate",
        [RejectionKind.OverBudget] = "over_budget",
    };

    private static readonly Dictionary<string, RejectionKind> ByName = Names.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    /// <summary>Every kind with its name, in declaration order.</summary>
    public static IReadOnlyDictionary<RejectionKind, string> All => Names;

    /// <summary>The name of <paramref name="kind"/> (e.g. <c>area_below_min</c>).</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>Its name.</returns>
    public static string Name(RejectionKind kind) => Names.TryGetValue(kind, out string? name) ? name : kind.ToString();

    /// <summary>The kind called <paramref name="name"/>, or <see cref="RejectionKind.Other"/> for an unknown or missing name.</summary>
    /// <param name="name">A name from <see cref="Name"/>.</param>
    /// <returns>The kind.</returns>
    public static RejectionKind Parse(string? name) => name is not null && ByName.TryGetValue(name, out RejectionKind kind) ? kind : RejectionKind.Other;
}
