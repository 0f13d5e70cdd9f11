"""Segment Anything at the facebook/sam-vit-base size in plain PyTorch, for the ratio in docs/performance.md.

The same architecture as transformers' SamModel with sam-vit-base's published config (transformers itself is not
installed here; Debian's python3-torch 1.13 is): ViT-B image encoder at 1024x1024 with windowed attention
(window 14, global layers 2, 5, 8, 11) and decomposed relative positions, the neck; prompt encoder and two-way mask
decoder at width 256. Random weights, fp32 on the CPU, torch.inference_mode. Not run by CI.

    XPASTE_TORCH_THREADS=2 /usr/bin/python3 benchmarks/python/sam_vit_base.py [--warmup 1] [--iterations 3]

Prints, for the image encoder (one image) and for the prompt encoder plus mask decoder (one box, multimask, from
precomputed embeddings), the mean and min wall time per call and the process CPU time per call, like SamBenchmarks.
"""
import argparse
import math
import os
import time

import torch
import torch.nn.functional as F
from torch import nn

WIDTH, DEPTH, HEADS, GLOBAL, WINDOW, GRID, OUT = 768, 12, 12, (2, 5, 8, 11), 14, 64, 256


class LayerNorm2d(nn.Module):
    def __init__(self, c, eps=1e-6):
        super().__init__()
        self.weight, self.bias, self.eps = nn.Parameter(torch.ones(c)), nn.Parameter(torch.zeros(c)), eps

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        return self.weight[:, None, None] * ((x - u) / torch.sqrt(s + self.eps)) + self.bias[:, None, None]


class VisionAttention(nn.Module):
    def __init__(self, size):
        super().__init__()
        hd = WIDTH // HEADS
        self.qkv, self.proj = nn.Linear(WIDTH, 3 * WIDTH), nn.Linear(WIDTH, WIDTH)
        self.rel_pos_h = nn.Parameter(torch.randn(2 * size - 1, hd) * 0.02)
        self.rel_pos_w = nn.Parameter(torch.randn(2 * size - 1, hd) * 0.02)

    def forward(self, x):
        b, h, w, c = x.shape
        hd = c // HEADS
        q, k, v = self.qkv(x).reshape(b, h * w, 3, HEADS, hd).permute(2, 0, 3, 1, 4).reshape(3, b * HEADS, h * w, hd).unbind(0)
        attn = (q * hd ** -0.5) @ k.transpose(-2, -1)
        idx_h = torch.arange(h)[:, None] - torch.arange(h)[None, :] + h - 1
        idx_w = torch.arange(w)[:, None] - torch.arange(w)[None, :] + w - 1
        rq = q.reshape(b * HEADS, h, w, hd)
        rel_h = torch.einsum("bhwc,hkc->bhwk", rq, self.rel_pos_h[idx_h])
        rel_w = torch.einsum("bhwc,wkc->bhwk", rq, self.rel_pos_w[idx_w])
        attn = (attn.reshape(b * HEADS, h, w, h, w) + rel_h[:, :, :, :, None] + rel_w[:, :, :, None, :]).reshape(b * HEADS, h * w, h * w)
        out = (attn.softmax(-1, dtype=torch.float32) @ v).reshape(b, HEADS, h, w, hd).permute(0, 2, 3, 1, 4).reshape(b, h, w, c)
        return self.proj(out)


class VisionLayer(nn.Module):
    def __init__(self, window):
        super().__init__()
        self.window = window
        self.layer_norm1, self.layer_norm2 = nn.LayerNorm(WIDTH, 1e-6), nn.LayerNorm(WIDTH, 1e-6)
        self.attn = VisionAttention(window or GRID)
        self.lin1, self.lin2 = nn.Linear(WIDTH, 4 * WIDTH), nn.Linear(4 * WIDTH, WIDTH)

    def forward(self, x):
        b, h, w, c = x.shape
        y = self.layer_norm1(x)
        if self.window:
            s = self.window
            ph, pw = (s - h % s) % s, (s - w % s) % s
            y = F.pad(y, (0, 0, 0, pw, 0, ph))
            hp, wp = h + ph, w + pw
            y = y.view(b, hp // s, s, wp // s, s, c).permute(0, 1, 3, 2, 4, 5).reshape(-1, s, s, c)
            y = self.attn(y).view(b, hp // s, wp // s, s, s, c).permute(0, 1, 3, 2, 4, 5).reshape(b, hp, wp, c)[:, :h, :w]
        else:
            y = self.attn(y)
        x = x + y
        return x + self.lin2(F.gelu(self.lin1(self.layer_norm2(x))))


class ImageEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch = nn.Conv2d(3, WIDTH, 16, 16)
        self.pos = nn.Parameter(torch.randn(1, GRID, GRID, WIDTH) * 0.02)
        self.layers = nn.ModuleList([VisionLayer(0 if i in GLOBAL else WINDOW) for i in range(DEPTH)])
        self.conv1, self.conv2 = nn.Conv2d(WIDTH, OUT, 1, bias=False), nn.Conv2d(OUT, OUT, 3, padding=1, bias=False)
        self.ln1, self.ln2 = LayerNorm2d(OUT), LayerNorm2d(OUT)

    def forward(self, pixels):
        x = self.patch(pixels).permute(0, 2, 3, 1) + self.pos
        for layer in self.layers:
            x = layer(x)
        return self.ln2(self.conv2(self.ln1(self.conv1(x.permute(0, 3, 1, 2)))))


class Attention(nn.Module):
    def __init__(self, down):
        super().__init__()
        inner = OUT // down
        self.q, self.k, self.v, self.o = nn.Linear(OUT, inner), nn.Linear(OUT, inner), nn.Linear(OUT, inner), nn.Linear(inner, OUT)

    def forward(self, q, k, v):
        def split(t):
            b, n, c = t.shape
            return t.reshape(b, n, 8, c // 8).transpose(1, 2)
        q, k, v = split(self.q(q)), split(self.k(k)), split(self.v(v))
        out = ((q @ k.transpose(2, 3)) / math.sqrt(q.shape[-1])).softmax(-1) @ v
        return self.o(out.transpose(1, 2).reshape(out.shape[0], out.shape[2], -1))


class Block(nn.Module):
    def __init__(self, first):
        super().__init__()
        self.first = first
        self.self_attn, self.t2i, self.i2t = Attention(1), Attention(2), Attention(2)
        self.norms = nn.ModuleList([nn.LayerNorm(OUT, 1e-6) for _ in range(4)])
        self.mlp = nn.Sequential(nn.Linear(OUT, 2048), nn.ReLU(), nn.Linear(2048, OUT))

    def forward(self, q, k, qpe, kpe):
        q = self.self_attn(q, q, q) if self.first else q + self.self_attn(q + qpe, q + qpe, q)
        q = self.norms[0](q)
        q = self.norms[1](q + self.t2i(q + qpe, k + kpe, k))
        q = self.norms[2](q + self.mlp(q))
        k = self.norms[3](k + self.i2t(k + kpe, q + qpe, q))
        return q, k


def mlp(i, h, o, depth):
    layers = [nn.Linear(i, h), nn.ReLU()]
    for _ in range(depth - 2):
        layers += [nn.Linear(h, h), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(h, o))


class PromptAndDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.gauss = torch.randn(2, OUT // 2)
        self.point_embed = nn.Parameter(torch.randn(4, OUT))
        self.no_mask = nn.Parameter(torch.randn(1, OUT))
        self.tokens = nn.Parameter(torch.randn(5, OUT))
        self.blocks = nn.ModuleList([Block(i == 0) for i in range(2)])
        self.final, self.final_norm = Attention(2), nn.LayerNorm(OUT)
        self.up1, self.up2 = nn.ConvTranspose2d(OUT, OUT // 4, 2, 2), nn.ConvTranspose2d(OUT // 4, OUT // 8, 2, 2)
        self.up_norm = LayerNorm2d(OUT // 4)
        self.hyper = nn.ModuleList([mlp(OUT, OUT, OUT // 8, 3) for _ in range(4)])
        self.iou = mlp(OUT, 256, 4, 3)

    def pe(self, c):
        c = 2 * math.pi * ((2 * c - 1) @ self.gauss)
        return torch.cat([c.sin(), c.cos()], -1)

    def forward(self, emb, box):
        b = emb.shape[0]
        corners = self.pe(((box + 0.5) / 1024).reshape(b, 2, 2)) + self.point_embed[2:4]
        g = (torch.arange(GRID) + 0.5) / GRID
        grid_pe = self.pe(torch.stack([g[None, :].expand(GRID, GRID), g[:, None].expand(GRID, GRID)], -1)).permute(2, 0, 1)[None]
        tokens = torch.cat([self.tokens.expand(b, -1, -1), corners], 1)
        src = emb + self.no_mask.reshape(1, -1, 1, 1)
        k, kpe, q = src.flatten(2).transpose(1, 2), grid_pe.flatten(2).transpose(1, 2), tokens
        for block in self.blocks:
            q, k = block(q, k, tokens, kpe)
        q = self.final_norm(q + self.final(q + tokens, k + kpe, k))
        up = F.gelu(self.up2(F.gelu(self.up_norm(self.up1(k.transpose(1, 2).reshape(b, OUT, GRID, GRID))))))
        hyper = torch.stack([self.hyper[i](q[:, 1 + i]) for i in range(4)], 1)
        masks = (hyper @ up.flatten(2)).reshape(b, 4, 4 * GRID, 4 * GRID)
        return masks[:, 1:], self.iou(q[:, 0])[:, 1:]


def timed(name, fn, warmup, iterations):
    for _ in range(warmup):
        fn()
    walls, cpus = [], []
    for _ in range(iterations):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    print(f"{name}: wall mean {sum(walls) / len(walls):.3f} s, min {min(walls):.3f} s; CPU time per call {sum(cpus) / len(cpus):.3f} s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=3)
    args = parser.parse_args()
    threads = int(os.environ.get("XPASTE_TORCH_THREADS", "0"))
    if threads > 0:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    encoder, decoder = ImageEncoder().eval(), PromptAndDecoder().eval()
    pixels = torch.randn(1, 3, 1024, 1024)
    box = torch.tensor([[180.0, 240.0, 700.0, 810.0]])
    with torch.inference_mode():
        # The decoder's cost does not depend on the embeddings' values: random ones spare an encoder call.
        emb = torch.randn(1, OUT, GRID, GRID)
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
        timed("image encoder, 1 x 1024x1024", lambda: encoder(pixels), args.warmup, args.iterations)
        timed("prompt encoder + mask decoder, 1 box", lambda: decoder(emb, box), args.warmup, args.iterations)


if __name__ == "__main__":
    main()
