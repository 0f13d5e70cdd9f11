namespace XPaste.GpuCheck;

/// <summary>
/// One check of the table. Every non-abstract class implementing this in the assembly runs (found by reflection), in
/// <see cref="Order"/>: adding a check is adding one file under Checks/.
/// </summary>
internal interface IGpuCheck
{
    /// <summary>Where the check's rows go in the table (smaller first).</summary>
    int Order { get; }

    /// <summary>The check's name, the first column.</summary>
    string Name { get; }

    /// <summary>Runs the check. Throwing makes one failed row with the exception's message.</summary>
    IEnumerable<CheckRow> Run(CheckContext context);
}

/// <summary>Outcome of a row.</summary>
internal enum Verdict
{
    Pass,
    Fail,
    Info,
    Skip,
}

/// <summary>One line of the table.</summary>
/// <param name="Check">The check's name.</param>
/// <param name="Case">What was measured (model output, precision, batch size...).</param>
/// <param name="Verdict">Pass/fail against the limit, or info/skip.</param>
/// <param name="Value">The measured number or text.</param>
/// <param name="Limit">The tolerance or bound it was held to, if any.</param>
/// <param name="Note">Anything else worth one line.</param>
internal sealed record CheckRow(string Check, string Case, Verdict Verdict, string Value, string Limit = "", string Note = "")
{
    public static CheckRow Within(string check, string @case, double error, double tolerance, string note = "") =>
        new(check, @case, error <= tolerance ? Verdict.Pass : Verdict.Fail, $"max abs err {error:G3}", $"<= {tolerance:G3}", note);
}
