namespace XPaste.Extraction;

/// <summary>What <see cref="InstanceSelector"/> chose for one image.</summary>
public sealed class InstanceSelection : IDisposable
{
    internal InstanceSelection(string extractor, float? score, CutoutOutcome cutout, IReadOnlyDictionary<string, float>? scores = null)
    {
        Extractor = extractor;
        Score = score;
        Cutout = cutout;
        Scores = scores ?? new Dictionary<string, float>();
    }

    /// <summary>The extractor whose mask was chosen (or, when every candidate was rejected, the winner's).</summary>
    public string Extractor { get; }

    /// <summary>The chosen mask's zero-shot score, or null when no filter was used.</summary>
    public float? Score { get; }

    /// <summary>
    /// Every candidate's zero-shot score by extractor name (the chosen one included); empty when no filter was used.
    /// The others are the runners-up the bank records (<see cref="Bank.BankInstance.RunnerUpScores"/>).
    /// </summary>
    public IReadOnlyDictionary<string, float> Scores { get; }

    /// <summary>The chosen mask's cut-out, or the reason it has none (<see cref="CutoutOutcome.IsAccepted"/>). Owned by this object.</summary>
    public CutoutOutcome Cutout { get; }

    /// <inheritdoc />
    public void Dispose() => Cutout.Dispose();
}
