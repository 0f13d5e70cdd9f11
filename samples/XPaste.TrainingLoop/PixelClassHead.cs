using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace XPaste.TrainingLoop;

/// <summary>
/// A deliberately tiny semantic segmentation model: the image, averaged down by <c>stride</c>, through two 3x3
/// convolutions to one logit per class and pixel. Small enough to train in seconds on a CPU; a real loop puts a
/// detector or Mask R-CNN here, with the same targets.
/// </summary>
internal sealed class PixelClassHead : Module<Tensor, Tensor>
{
    private readonly int _stride;
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Conv2d classifier;

    public PixelClassHead(int numClasses, int stride, int width = 32) : base(nameof(PixelClassHead))
    {
        _stride = stride;
        conv1 = Conv2d(3, width, 3, padding: 1);
        conv2 = Conv2d(width, width, 3, padding: 1);
        classifier = Conv2d(width, numClasses, 1);
        RegisterComponents();
    }

    /// <summary>[B,3,H,W] images in [0,1] to [B,classes,H/stride,W/stride] logits.</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        Tensor x = functional.avg_pool2d((images - 0.45) / 0.25, _stride);
        x = functional.relu(conv1.forward(x));
        x = functional.relu(conv2.forward(x));
        return classifier.forward(x).MoveToOuterDisposeScope();
    }
}
