using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// The prompt taken from another extractor's mask: the tight box of its largest (8-connected) component, corners
/// inclusive as SAM's own mask-to-box gives them, and the component's centroid; all in image pixels.
/// </summary>
internal sealed record SamPrompt(double X1, double Y1, double X2, double Y2, double CentroidX, double CentroidY, bool IsEmpty)
{
    public static SamPrompt FromMask(Tensor mask, byte threshold)
    {
        int height = (int)mask.shape[0], width = (int)mask.shape[1];
        using Tensor cpu = mask.cpu().contiguous();
        ComponentRegion region = MaskComponents.LargestComponent(cpu.data<byte>().ToArray(), height, width, threshold, fillHoles: false);
        if (region.IsEmpty)
        {
            return new SamPrompt(0, 0, width - 1, height - 1, (width - 1) / 2.0, (height - 1) / 2.0, true);
        }

        double sumX = 0, sumY = 0, count = 0;
        foreach (var (row, start, end) in region.Runs)
        {
            int n = end - start;
            sumX += n * (start + end - 1) / 2.0;
            sumY += (double)n * row;
            count += n;
        }

        return new SamPrompt(region.X0, region.Y0, region.X1 - 1, region.Y1 - 1, sumX / count, sumY / count, false);
    }
}
