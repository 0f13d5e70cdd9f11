"""Stable Diffusion v1.5 UNet step and VAE decode in plain PyTorch, for the ratio in docs/performance.md.

The same architecture as diffusers' UNet2DConditionModel / AutoencoderKL built from SD v1.5's published configs
(diffusers itself is not installed here; Debian's python3-torch 1.13 is), random weights, fp32 on the CPU,
torch.inference_mode. Attention is what diffusers runs on torch 1.13 (its AttnProcessor: baddbmm + softmax;
scaled_dot_product_attention exists only from torch 2.0). Not run by CI.

    XPASTE_TORCH_THREADS=2 python3 benchmarks/python/sd_unet_step.py [--warmup 1] [--iterations 3]

Prints the mean and min wall time per call, the process CPU time per call (what counts on a shared machine), and the peak resident memory above the level before each call
(VmHWM reset through /proc/self/clear_refs), like StableDiffusionBenchmarks.
"""
import argparse
import math
import os
import time

import torch
import torch.nn.functional as F
from torch import nn

CH, LAYERS, HEADS, CTX, GROUPS = [320, 640, 1280, 1280], 2, 8, 768, 32


class Resnet(nn.Module):
    def __init__(self, cin, cout, temb, eps):
        super().__init__()
        self.norm1 = nn.GroupNorm(GROUPS, cin, eps)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout) if temb else None
        self.norm2 = nn.GroupNorm(GROUPS, cout, eps)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb=None):
        h = self.conv1(F.silu(self.norm1(x)))
        if self.time_emb_proj is not None:
            h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (x if self.conv_shortcut is None else self.conv_shortcut(x)) + h


def attention(q, k, v, heads):
    b, n, c = q.shape
    d = c // heads
    q, k, v = (t.reshape(b, -1, heads, d).permute(0, 2, 1, 3).reshape(b * heads, -1, d) for t in (q, k, v))
    scores = torch.baddbmm(torch.empty(q.shape[0], q.shape[1], k.shape[1], dtype=q.dtype), q, k.transpose(-1, -2), beta=0, alpha=1 / math.sqrt(d))
    o = torch.bmm(scores.softmax(-1), v)
    return o.reshape(b, heads, n, d).permute(0, 2, 1, 3).reshape(b, n, c)


class Attn(nn.Module):
    def __init__(self, dim, ctx, heads):
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(ctx or dim, dim, bias=False)
        self.to_v = nn.Linear(ctx or dim, dim, bias=False)
        self.to_out = nn.ModuleList([nn.Linear(dim, dim)])

    def forward(self, x, ctx=None):
        ctx = x if ctx is None else ctx
        return self.to_out[0](attention(self.to_q(x), self.to_k(ctx), self.to_v(ctx), self.heads))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1, self.attn1 = nn.LayerNorm(dim), Attn(dim, None, heads)
        self.norm2, self.attn2 = nn.LayerNorm(dim), Attn(dim, CTX, heads)
        self.norm3 = nn.LayerNorm(dim)
        self.proj = nn.Linear(dim, dim * 8)
        self.out = nn.Linear(dim * 4, dim)

    def forward(self, x, ctx):
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), ctx) + x
        a, gate = self.proj(self.norm3(x)).chunk(2, dim=-1)
        return self.out(a * F.gelu(gate)) + x


class Transformer2D(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = nn.GroupNorm(GROUPS, c, 1e-6)
        self.proj_in = nn.Conv2d(c, c, 1)
        self.block = Block(c, HEADS)
        self.proj_out = nn.Conv2d(c, c, 1)

    def forward(self, x, ctx):
        b, c, h, w = x.shape
        y = self.proj_in(self.norm(x)).permute(0, 2, 3, 1).reshape(b, h * w, c)
        y = self.block(y, ctx).reshape(b, h, w, c).permute(0, 3, 1, 2).contiguous()
        return self.proj_out(y) + x


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        temb = CH[0] * 4
        self.conv_in = nn.Conv2d(4, CH[0], 3, padding=1)
        self.linear_1, self.linear_2 = nn.Linear(CH[0], temb), nn.Linear(temb, temb)
        self.down = nn.ModuleList()
        prev = CH[0]
        for i, c in enumerate(CH):
            blk = nn.Module()
            blk.resnets = nn.ModuleList([Resnet(prev if j == 0 else c, c, temb, 1e-5) for j in range(LAYERS)])
            blk.attentions = nn.ModuleList([Transformer2D(c) for _ in range(LAYERS)]) if i < 3 else None
            blk.down = nn.Conv2d(c, c, 3, stride=2, padding=1) if i < 3 else None
            self.down.append(blk)
            prev = c
        self.mid_res = nn.ModuleList([Resnet(CH[-1], CH[-1], temb, 1e-5) for _ in range(2)])
        self.mid_attn = Transformer2D(CH[-1])
        self.up = nn.ModuleList()
        rev = CH[::-1]
        prev = rev[0]
        for i, c in enumerate(rev):
            cin = rev[min(i + 1, 3)]
            blk = nn.Module()
            blk.resnets = nn.ModuleList([Resnet((prev if j == 0 else c) + (cin if j == LAYERS else c), c, temb, 1e-5) for j in range(LAYERS + 1)])
            blk.attentions = nn.ModuleList([Transformer2D(c) for _ in range(LAYERS + 1)]) if i > 0 else None
            blk.up = nn.Conv2d(c, c, 3, padding=1) if i < 3 else None
            self.up.append(blk)
            prev = c
        self.conv_norm_out = nn.GroupNorm(GROUPS, CH[0], 1e-5)
        self.conv_out = nn.Conv2d(CH[0], 4, 3, padding=1)

    def forward(self, x, t, ctx):
        half = CH[0] // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
        args = t.float().reshape(-1)[:, None].expand(x.shape[0], 1) * freqs[None]
        temb = self.linear_2(F.silu(self.linear_1(torch.cat([args.cos(), args.sin()], -1))))
        x = self.conv_in(x)
        skips = [x]
        for blk in self.down:
            for j, res in enumerate(blk.resnets):
                x = res(x, temb)
                if blk.attentions is not None:
                    x = blk.attentions[j](x, ctx)
                skips.append(x)
            if blk.down is not None:
                x = blk.down(x)
                skips.append(x)
        x = self.mid_res[1](self.mid_attn(self.mid_res[0](x, temb), ctx), temb)
        for blk in self.up:
            for j, res in enumerate(blk.resnets):
                x = res(torch.cat([x, skips.pop()], 1), temb)
                if blk.attentions is not None:
                    x = blk.attentions[j](x, ctx)
            if blk.up is not None:
                x = blk.up(F.interpolate(x, scale_factor=2.0, mode="nearest"))
        return self.conv_out(F.silu(self.conv_norm_out(x)))


class VaeAttn(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.group_norm = nn.GroupNorm(GROUPS, c, 1e-6)
        self.to_q, self.to_k, self.to_v, self.to_out = (nn.Linear(c, c) for _ in range(4))

    def forward(self, x):
        b, c, h, w = x.shape
        y = self.group_norm(x).reshape(b, c, h * w).transpose(1, 2)
        o = self.to_out(attention(self.to_q(y), self.to_k(y), self.to_v(y), 1))
        return o.transpose(1, 2).reshape(b, c, h, w) + x


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        rev = [512, 512, 256, 128]
        self.post_quant_conv = nn.Conv2d(4, 4, 1)
        self.conv_in = nn.Conv2d(4, 512, 3, padding=1)
        self.mid = nn.ModuleList([Resnet(512, 512, 0, 1e-6), VaeAttn(512), Resnet(512, 512, 0, 1e-6)])
        self.blocks = nn.ModuleList()
        prev = 512
        for i, c in enumerate(rev):
            blk = nn.Module()
            blk.resnets = nn.ModuleList([Resnet(prev if j == 0 else c, c, 0, 1e-6) for j in range(LAYERS + 1)])
            blk.up = nn.Conv2d(c, c, 3, padding=1) if i < 3 else None
            self.blocks.append(blk)
            prev = c
        self.conv_norm_out = nn.GroupNorm(GROUPS, 128, 1e-6)
        self.conv_out = nn.Conv2d(128, 3, 3, padding=1)

    def forward(self, z):
        x = self.conv_in(self.post_quant_conv(z))
        x = self.mid[2](self.mid[1](self.mid[0](x)))
        for blk in self.blocks:
            for res in blk.resnets:
                x = res(x)
            if blk.up is not None:
                x = blk.up(F.interpolate(x, scale_factor=2.0, mode="nearest"))
        return self.conv_out(F.silu(self.conv_norm_out(x)))


def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    return 0


def measure(name, fn, warmup, iterations):
    for _ in range(warmup):
        fn()
    times, peaks, cpus = [], [], []
    for _ in range(iterations):
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            pass
        before = status("VmRSS:")
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        peaks.append(status("VmHWM:") - before)
    print(f"{name}: mean {sum(times) / len(times):.3f} s, min {min(times):.3f} s over {iterations} "
          f"(CPU time mean {sum(cpus) / len(cpus):.1f} s; peak above start {max(peaks) / 2**20:.0f} MiB, rss {status('VmRSS:') / 2**20:.0f} MiB)", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=3)
    args = parser.parse_args()
    threads = int(os.environ.get("XPASTE_TORCH_THREADS", "0") or 0)
    if threads > 0:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    unet, vae = UNet().eval(), Decoder().eval()
    params = sum(p.numel() for p in unet.parameters())
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, UNet {params:,} parameters", flush=True)
    latents, t, ctx, z = torch.randn(2, 4, 64, 64), torch.tensor(999), torch.randn(2, 77, 768), torch.randn(1, 4, 64, 64)
    with torch.inference_mode():
        measure("unet_step (batch 2, 64x64)", lambda: unet(latents, t, ctx), args.warmup, args.iterations)
        measure("vae_decode (1 x 512x512)", lambda: vae(z), args.warmup, args.iterations)


if __name__ == "__main__":
    main()
