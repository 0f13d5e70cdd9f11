namespace XPaste.Augment;

/// <summary>Settings of the online augmenter, with the reference's defaults.</summary>
public sealed class XPasteOptions
{
    /// <summary>The policy. Default <see cref="PastePolicyKind.XPaste"/>.</summary>
    public PastePolicyKind Policy { get; set; } = PastePolicyKind.XPaste;

    /// <summary>X-Paste policy settings.</summary>
    public XPastePolicyOptions XPaste { get; set; } = new();

    /// <summary>Simple Copy-Paste settings.</summary>
    public SimpleCopyPasteOptions SimpleCopyPaste { get; set; } = new();

    /// <summary>Jitter destinations with <see cref="Jitter"/> before pasting. Default true.</summary>
    public bool UseJitter { get; set; } = true;

    /// <summary>The destinations' large scale jitter (also fixes the output size). Default 0.1-2.0 to 640x640.</summary>
    public LargeScaleJitterOptions Jitter { get; set; } = new();

    /// <summary>Blending and occlusion.</summary>
    public PasteKernelOptions Kernel { get; set; } = new();

    /// <summary>The run's seed: equal seeds and inputs give identical samples. Default 0.</summary>
    public long Seed { get; set; }

    /// <summary>Images per batch. Default 8.</summary>
    public int BatchSize { get; set; } = 8;

    /// <summary>How many finished batches the background worker may hold ahead of the consumer. Default 2.</summary>
    public int PrefetchBatches { get; set; } = 2;

    /// <summary>Visit the dataset in a seeded random order each epoch. Default true.</summary>
    public bool Shuffle { get; set; } = true;

    /// <summary>Drop an epoch's last batch when it is smaller than <see cref="BatchSize"/>. Default false.</summary>
    public bool DropLast { get; set; }

    /// <summary>The TorchSharp device the kernel runs on, e.g. <c>cpu</c>, <c>cuda</c>, <c>cuda:1</c>. Default <c>cpu</c>.</summary>
    public string Device { get; set; } = "cpu";
}
