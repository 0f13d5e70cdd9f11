namespace XPaste.Augment;

/// <summary>Which paste policy the augmenter uses when none is given explicitly.</summary>
public enum PastePolicyKind
{
    /// <summary>Pool instances (<see cref="XPastePolicy"/>).</summary>
    XPaste,

    /// <summary>Objects of another dataset image (<see cref="SimpleCopyPastePolicy"/>).</summary>
    SimpleCopyPaste,

    /// <summary>X-Paste, then Simple Copy-Paste on top (the reference's "both").</summary>
    Both,
}
