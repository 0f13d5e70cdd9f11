"""PyTorch side of the GPU check's model stages (scripts/gpu-check.sh, samples/XPaste.GpuCheck StageTimingCheck): the
side-by-side suite's stages that this repository's own plain-PyTorch architectures cover, fp16 on CUDA, random
weights: SAM's ViT-B image encoder (sam_vit_base.py, 1x3x1024x1024), SD 1.5's VAE decode (sd_unet_step.py's Decoder,
1x4x64x64 -> 512x512) and the CLIP ViT-B/32 and ViT-L/14 image towers (a plain pre-norm ViT below, same shapes as
openai/CLIP's VisionTransformer, which the GPU machine does not have). Median ms of 5 after a warm-up. Prints
progress to stderr and one JSON line to stdout: {"stages": {name: ms}, "torch": ..., "device": ...}. Never run in CI.

    python3 benchmarks/python/side_by_side_gpu.py [--device cuda] [--stages sam-vit-b,vae-decode,clip-b32,clip-l14]
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sam_vit_base  # noqa: E402
import sd_unet_step  # noqa: E402


def sdpa_attention(q, k, v, heads):
    """diffusers' attention on torch 2.x (scaled_dot_product_attention), replacing sd_unet_step's torch 1.13 one."""
    b, n, c = q.shape
    q, k, v = (t.reshape(b, -1, heads, c // heads).transpose(1, 2) for t in (q, k, v))
    return F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, n, c)


class VitBlock(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.ln_1, self.ln_2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv, self.out = nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.fc, self.proj = nn.Linear(width, 4 * width), nn.Linear(4 * width, width)

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = self.qkv(self.ln_1(x)).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4).unbind(0)
        if hasattr(F, "scaled_dot_product_attention"):
            a = F.scaled_dot_product_attention(q, k, v)
        else:
            a = (q @ k.transpose(-1, -2) / math.sqrt(c // self.heads)).softmax(-1) @ v
        x = x + self.out(a.transpose(1, 2).reshape(b, n, c))
        h = self.fc(self.ln_2(x))
        return x + self.proj(h * torch.sigmoid(1.702 * h))  # quick_gelu


class ClipVision(nn.Module):
    """CLIP's image tower: patch conv, class token, positions, ln_pre, pre-norm blocks, ln_post on the class token, projection."""

    def __init__(self, width, layers, heads, patch, embed, size=224):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, patch, patch, bias=False)
        self.cls = nn.Parameter(torch.randn(width) * 0.02)
        self.pos = nn.Parameter(torch.randn((size // patch) ** 2 + 1, width) * 0.01)
        self.ln_pre, self.ln_post = nn.LayerNorm(width), nn.LayerNorm(width)
        self.blocks = nn.ModuleList([VitBlock(width, heads) for _ in range(layers)])
        self.proj = nn.Linear(width, embed, bias=False)

    def forward(self, x):
        x = self.conv1(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.to(x.dtype).expand(x.shape[0], 1, -1), x], 1) + self.pos.to(x.dtype)
        x = self.ln_pre(x)
        for block in self.blocks:
            x = block(x)
        return self.proj(self.ln_post(x[:, 0]))


def stage(name):
    """(model, input shape) for a stage."""
    if name == "sam-vit-b":
        return sam_vit_base.ImageEncoder(), (1, 3, 1024, 1024)
    if name == "vae-decode":
        if hasattr(F, "scaled_dot_product_attention"):
            sd_unet_step.attention = sdpa_attention
        return sd_unet_step.Decoder(), (1, 4, 64, 64)
    if name == "clip-b32":
        return ClipVision(768, 12, 12, 32, 512), (8, 3, 224, 224)
    if name == "clip-l14":
        return ClipVision(1024, 24, 16, 14, 768), (4, 3, 224, 224)
    raise SystemExit(f"unknown stage {name}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--stages", default="sam-vit-b,vae-decode,clip-b32,clip-l14")
    args = parser.parse_args()
    device = torch.device(args.device)
    dtype = torch.float16 if device.type == "cuda" else torch.float32
    result = {}
    for name in args.stages.split(","):
        torch.manual_seed(0)
        model, shape = stage(name)
        model = model.eval().to(device, dtype)
        x = torch.randn(shape, device=device, dtype=dtype)
        times = []
        with torch.inference_mode():
            for i in range(6):
                if device.type == "cuda":
                    torch.cuda.synchronize()
                t0 = time.perf_counter()
                model(x)
                if device.type == "cuda":
                    torch.cuda.synchronize()
                if i > 0:
                    times.append((time.perf_counter() - t0) * 1000)
        result[name] = sorted(times)[len(times) // 2]
        print(f"{name}: {result[name]:.1f} ms", file=sys.stderr, flush=True)
        del model
    device_name = torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu"
    print(json.dumps({"stages": result, "torch": torch.__version__, "device": device_name}))


if __name__ == "__main__":
    main()
