namespace XPaste.Bank;

/// <summary>A cut-out that does not match its manifest entry (see <see cref="InstanceBankReader.Verify"/>).</summary>
/// <param name="Instance">The manifest entry.</param>
/// <param name="File">The file at fault (usually the PNG).</param>
/// <param name="Problem">What is wrong.</param>
public sealed record BankProblem(BankInstance Instance, string File, string Problem)
{
    /// <inheritdoc />
    public override string ToString() => $"{File}: instance '{Instance.Id}': {Problem}";
}
