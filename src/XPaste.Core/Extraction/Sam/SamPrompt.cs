using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// The prompt taken from another extractor's mask: the tight box of its largest (8-connected) component, corners
/// inclusive as SAM's own mask-to-box gives them, the component's centroid, and its peak (the pixel of the highest
/// value in the component, the first in row-major order on ties: a heatmap's maximum); all in image pixels.
/// </summary>
internal sealed record SamPrompt(double X1, double Y1, double X2, double Y2, double CentroidX, double CentroidY, bool IsEmpty)
{
    /// <summary>Column of the component's highest value.</summary>
    public double PeakX { get; init; }

    /// <summary>Row of the component's highest value.</summary>
    public double PeakY { get; init; }

    public static SamPrompt FromMask(Tensor mask, byte threshold)
    {
        int height = (int)mask.shape[0], width = (int)mask.shape[1];
        using Tensor cpu = mask.cpu().contiguous();
        byte[] values = cpu.data<byte>().ToArray();
        ComponentRegion region = MaskComponents.LargestComponent(values, height, width, threshold, fillHoles: false);
        if (region.IsEmpty)
        {
            return new SamPrompt(0, 0, width - 1, height - 1, (width - 1) / 2.0, (height - 1) / 2.0, true)
            {
                PeakX = (width - 1) / 2.0, PeakY = (height - 1) / 2.0,
            };
        }

        double sumX = 0, sumY = 0, count = 0;
        int peak = -1, peakX = 0, peakY = 0;
        foreach (var (row, start, end) in region.Runs.OrderBy(r => r.Row).ThenBy(r => r.Start))
        {
            int n = end - start;
            sumX += n * (start + end - 1) / 2.0;
            sumY += (double)n * row;
            count += n;
            for (int x = start; x < end; x++)
            {
                if (values[(row * width) + x] > peak)
                {
                    peak = values[(row * width) + x];
                    peakX = x;
                    peakY = row;
                }
            }
        }

        return new SamPrompt(region.X0, region.Y0, region.X1 - 1, region.Y1 - 1, sumX / count, sumY / count, false) { PeakX = peakX, PeakY = peakY };
    }
}
