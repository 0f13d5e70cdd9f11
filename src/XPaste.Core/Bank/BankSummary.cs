namespace XPaste.Bank;

/// <summary>Counts of an <see cref="InstanceBank"/>, as kept in its small summary file (<c>bank.json</c>).</summary>
/// <param name="Instances">Committed instances.</param>
/// <param name="Rejected">Sources recorded as processed without an instance.</param>
/// <param name="Categories">Instance counts per category, by category id.</param>
public sealed record BankSummary(int Instances, int Rejected, IReadOnlyList<BankCategoryCount> Categories);
