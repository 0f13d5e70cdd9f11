namespace XPaste.GpuCheck;

/// <summary>
/// TODO(lead, after merging XPaste.Generation): one denoising step of a UNet with Stable Diffusion v1.5's architecture
/// (random weights, seeded), fp16 on CUDA, latents [2,4,64,64], text states [2,77,768], timestep 500: report ms per step
/// and compare with PyTorch on the same GPU, which benchmarks/python/sd_unet_step_gpu.py measures (scripts/gpu-check.sh
/// runs it first and passes its JSON result here as the environment variable XPASTE_TORCH_UNET_JSON:
/// {"ms_per_step": ..., "device": ..., "torch": ...}). Rows to yield: "cuda fp16 ms/step" (Info), "PyTorch ms/step"
/// (Info, from the JSON), and the ratio (Info). This file is the only place to change.
/// </summary>
internal sealed class SdUnetStepCheck : IGpuCheck
{
    public int Order => 90;

    public string Name => "SD v1.5 UNet step";

    public IEnumerable<CheckRow> Run(CheckContext context)
    {
        string? torchSide = Environment.GetEnvironmentVariable("XPASTE_TORCH_UNET_JSON");
        yield return new CheckRow(Name, "fp16, TorchSharp vs PyTorch", Verdict.Todo, "-", Note: torchSide is null ? "no PyTorch result given" : $"PyTorch: {torchSide}");
    }
}
