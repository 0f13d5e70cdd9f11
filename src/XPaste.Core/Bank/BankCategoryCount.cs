namespace XPaste.Bank;

/// <summary>The number of instances of one category in a bank.</summary>
/// <param name="Id">The category id.</param>
/// <param name="Name">The category name.</param>
/// <param name="Count">How many instances the bank holds for it.</param>
public sealed record BankCategoryCount(int Id, string Name, int Count);
