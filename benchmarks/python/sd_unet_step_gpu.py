"""PyTorch side of the GPU check's UNet step (scripts/gpu-check.sh): one denoising step of a UNet with Stable
Diffusion v1.5's architecture (diffusers' UNet2DConditionModel with SD v1.5's config), written in plain torch so the GPU
machine needs nothing but PyTorch. Random weights (seeded), fp16, CFG batch 2, latents [2,4,64,64], text states
[2,77,768], timestep 500. Prints progress to stderr and one JSON line to stdout: ms per step (median of 10 after 3
warm-ups), the device and the versions. Never run in CI.

    python3 benchmarks/python/sd_unet_step_gpu.py [--device cuda] [--small]   (--small: a narrow UNet for a CPU smoke test)
"""
import argparse
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def attention(q, k, v, heads):
    b, n, c = q.shape
    q, k, v = (t.reshape(b, -1, heads, c // heads).transpose(1, 2) for t in (q, k, v))
    if hasattr(F, "scaled_dot_product_attention"):
        o = F.scaled_dot_product_attention(q, k, v)
    else:
        o = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(c // heads), dim=-1) @ v
    return o.transpose(1, 2).reshape(b, n, c)


class Attention(nn.Module):
    def __init__(self, dim, context_dim, heads):
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(context_dim, dim, bias=False)
        self.to_v = nn.Linear(context_dim, dim, bias=False)
        self.to_out = nn.Linear(dim, dim)

    def forward(self, x, context=None):
        context = x if context is None else context
        return self.to_out(attention(self.to_q(x), self.to_k(context), self.to_v(context), self.heads))


class TransformerBlock(nn.Module):
    def __init__(self, dim, context_dim, heads):
        super().__init__()
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn1 = Attention(dim, dim, heads)
        self.attn2 = Attention(dim, context_dim, heads)
        self.geglu = nn.Linear(dim, dim * 8)
        self.ff_out = nn.Linear(dim * 4, dim)

    def forward(self, x, context):
        x = x + self.attn1(self.norm1(x))
        x = x + self.attn2(self.norm2(x), context)
        h, gate = self.geglu(self.norm3(x)).chunk(2, dim=-1)
        return x + self.ff_out(h * F.gelu(gate))


class Transformer2D(nn.Module):
    def __init__(self, channels, context_dim, heads):
        super().__init__()
        self.norm = nn.GroupNorm(32, channels, eps=1e-6)
        self.proj_in = nn.Conv2d(channels, channels, 1)
        self.block = TransformerBlock(channels, context_dim, heads)
        self.proj_out = nn.Conv2d(channels, channels, 1)

    def forward(self, x, context):
        b, c, h, w = x.shape
        y = self.proj_in(self.norm(x)).permute(0, 2, 3, 1).reshape(b, h * w, c)
        y = self.block(y, context).reshape(b, h, w, c).permute(0, 3, 1, 2)
        return x + self.proj_out(y)


class Resnet(nn.Module):
    def __init__(self, cin, cout, temb):
        super().__init__()
        self.norm1 = nn.GroupNorm(32, cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(32, cout, eps=1e-5)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return self.shortcut(x) + h


class UNet(nn.Module):
    """SD v1.5: blocks (320, 640, 1280, 1280), 2 layers per block, 8 heads, cross-attention dim 768."""

    def __init__(self, channels=(320, 640, 1280, 1280), context_dim=768, heads=8):
        super().__init__()
        c0, temb = channels[0], channels[0] * 4
        self.base = c0
        self.time_1, self.time_2 = nn.Linear(c0, temb), nn.Linear(temb, temb)
        self.conv_in = nn.Conv2d(4, c0, 3, padding=1)
        self.down = nn.ModuleList()
        skips, cin = [c0], c0
        for i, cout in enumerate(channels):
            attn = i < 3
            layers = nn.ModuleList()
            for _ in range(2):
                layers.append(nn.ModuleList([Resnet(cin, cout, temb)] + ([Transformer2D(cout, context_dim, heads)] if attn else [])))
                cin = cout
                skips.append(cout)
            down = nn.Conv2d(cout, cout, 3, stride=2, padding=1) if i < 3 else None
            if down is not None:
                skips.append(cout)
            self.down.append(nn.ModuleDict({"layers": layers, **({"down": down} if down is not None else {})}))
        top = channels[-1]
        self.mid = nn.ModuleList([Resnet(top, top, temb), Transformer2D(top, context_dim, heads), Resnet(top, top, temb)])
        self.up = nn.ModuleList()
        for i, cout in enumerate(reversed(channels)):
            attn = i > 0
            layers = nn.ModuleList()
            for _ in range(3):
                layers.append(nn.ModuleList([Resnet(cin + skips.pop(), cout, temb)] + ([Transformer2D(cout, context_dim, heads)] if attn else [])))
                cin = cout
            up = nn.Conv2d(cout, cout, 3, padding=1) if i < 3 else None
            self.up.append(nn.ModuleDict({"layers": layers, **({"up": up} if up is not None else {})}))
        self.norm_out = nn.GroupNorm(32, channels[0], eps=1e-5)
        self.conv_out = nn.Conv2d(channels[0], 4, 3, padding=1)

    def time_embedding(self, t, dtype):
        half = self.base // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
        args = t.float()[:, None] * freqs[None]
        emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1).to(dtype)  # flip_sin_to_cos
        return self.time_2(F.silu(self.time_1(emb)))

    def forward(self, x, t, context):
        temb = self.time_embedding(t, x.dtype)
        x = self.conv_in(x)
        skips = [x]
        for block in self.down:
            for layer in block["layers"]:
                x = layer[0](x, temb)
                if len(layer) > 1:
                    x = layer[1](x, context)
                skips.append(x)
            if "down" in block:
                x = block["down"](x)
                skips.append(x)
        x = self.mid[2](self.mid[1](self.mid[0](x, temb), context), temb)
        for block in self.up:
            for layer in block["layers"]:
                x = layer[0](torch.cat([x, skips.pop()], dim=1), temb)
                if len(layer) > 1:
                    x = layer[1](x, context)
            if "up" in block:
                x = block["up"](F.interpolate(x, scale_factor=2.0, mode="nearest"))
        return self.conv_out(F.silu(self.norm_out(x)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--small", action="store_true")
    args = parser.parse_args()
    device = torch.device(args.device)
    dtype = torch.float16 if device.type == "cuda" else torch.float32
    torch.manual_seed(0)
    model = UNet((32, 64, 64, 64)) if args.small else UNet()
    model = model.to(device=device, dtype=dtype).eval()
    params = sum(p.numel() for p in model.parameters())
    size = 16 if args.small else 64
    latents = torch.randn(2, 4, size, size, device=device, dtype=dtype)
    context = torch.randn(2, 77, 768, device=device, dtype=dtype)
    t = torch.full((2,), 500, device=device)
    times = []
    with torch.inference_mode():
        for i in range(13):
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            out = model(latents, t, context)
            if device.type == "cuda":
                torch.cuda.synchronize()
            if i >= 3:
                times.append((time.perf_counter() - start) * 1000)
    assert out.shape == latents.shape
    finite = bool(torch.isfinite(out).all())  # random fp16 weights: reported, not required
    times.sort()
    print(f"params {params}, output {tuple(out.shape)}", file=sys.stderr)
    print(json.dumps({
        "ms_per_step": round(times[len(times) // 2], 3),
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "dtype": str(dtype).replace("torch.", ""),
        "torch": torch.__version__,
        "params": params,
        "batch": 2,
        "latent": size,
        "finite": finite,
    }))


if __name__ == "__main__":
    main()
