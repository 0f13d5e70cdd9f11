using TorchSharp.Modules;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>GroupNorm factory: TorchSharp 0.107's <c>nn.GroupNorm</c> leaves its affine parameters uninitialised (<c>torch.empty</c>).</summary>
internal static class GroupNorms
{
    /// <summary>A GroupNorm with PyTorch's initial values (weight 1, bias 0); nothing is written on the meta device.</summary>
    public static GroupNorm Create(long groups, long channels, double eps, Device? device)
    {
        GroupNorm norm = nn.GroupNorm(groups, channels, eps, device: device);
        if (device?.type != TorchSharp.DeviceType.META)
        {
            using var guard = no_grad();
            norm.weight!.fill_(1.0);
            norm.bias!.zero_();
        }

        return norm;
    }
}
