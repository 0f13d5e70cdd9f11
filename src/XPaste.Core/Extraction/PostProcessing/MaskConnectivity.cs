namespace XPaste.Extraction;

/// <summary>Which pixels touch: 4 (edges only) or 8 (edges and corners).</summary>
public enum MaskConnectivity
{
    /// <summary>Pixels sharing an edge belong together.</summary>
    Four = 4,

    /// <summary>Pixels sharing an edge or a corner belong together (OpenCV's contours; the reference).</summary>
    Eight = 8,
}
