namespace XPaste.Offline;

/// <summary>One category's counts in an <see cref="OfflineResult"/>.</summary>
/// <param name="Added">Instances added.</param>
/// <param name="Rejected">Images rejected.</param>
public sealed record OfflineCategoryCounts(int Added, int Rejected);
