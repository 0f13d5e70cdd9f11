"""CLIPSeg (CIDAS/clipseg-rd64-refined's sizes) in plain PyTorch for the side-by-side suite.

Debian's torch 1.13 cannot run transformers' modeling_clipseg, so the stage is built from openai/CLIP's own ViT-B/16
(`clip/model.py`, fetched at run time, as for the CLIP stages) plus the decoder as shared/design/clipseg-reference.md
describes transformers' CLIPSegDecoder: the activations after vision layers 3, 6 and 9, deepest first, each reduced
to 64 and added to the running sum; FiLM by the projected text embedding at the first step; a post-norm transformer
layer (4 heads, ReLU MLP 2048) per step; the class token dropped; Conv2d 3x3, ReLU, ConvTranspose2d 4/4, ReLU,
ConvTranspose2d 4/4. The position table is resized bicubically (align_corners false) to the 22x22 grid of a
352x352 input on every call, like transformers' interpolate_pos_encoding. The decoder's module names are
transformers'; `to_transformers` renames the CLIP part (through side_by_side's clip_to_transformers).
"""
import torch
import torch.nn.functional as F
from torch import nn

EXTRACT_LAYERS = (3, 6, 9)
REDUCE_DIM = 64

CONFIG = {
    "architectures": ["CLIPSegForImageSegmentation"], "model_type": "clipseg", "projection_dim": 512,
    "logit_scale_init_value": 2.6592, "extract_layers": list(EXTRACT_LAYERS), "reduce_dim": REDUCE_DIM,
    "decoder_num_attention_heads": 4, "decoder_intermediate_size": 2048, "conditional_layer": 0,
    "use_complex_transposed_convolution": True,
    # The published config keeps the old ids (eos 2), so the text model pools at argmax(input_ids), like openai/CLIP.
    "text_config": {"vocab_size": 49408, "hidden_size": 512, "intermediate_size": 2048, "num_hidden_layers": 12,
                    "num_attention_heads": 8, "max_position_embeddings": 77, "hidden_act": "quick_gelu",
                    "layer_norm_eps": 1e-05, "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2},
    "vision_config": {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
                      "num_attention_heads": 12, "num_channels": 3, "image_size": 224, "patch_size": 16,
                      "hidden_act": "quick_gelu", "layer_norm_eps": 1e-05},
}


class Attention(nn.Module):
    """transformers' CLIPAttention without masks: q scaled by head_dim^-0.5."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(dim, dim) for _ in range(4))

    def forward(self, x):
        b, n, c = x.shape
        d = c // self.heads
        q = self.q_proj(x) * d ** -0.5
        q, k, v = (t.reshape(b, n, self.heads, d).transpose(1, 2) for t in (q, self.k_proj(x), self.v_proj(x)))
        o = torch.matmul(torch.matmul(q, k.transpose(-1, -2)).softmax(-1), v)
        return self.out_proj(o.transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(dim, hidden), nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


class DecoderLayer(nn.Module):
    """Post-norm: LN1(x + attn(x)), then LN2(x + mlp(x))."""

    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.self_attn = Attention(dim, heads)
        self.layer_norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.mlp = Mlp(dim, hidden)
        self.layer_norm2 = nn.LayerNorm(dim, eps=1e-5)

    def forward(self, x):
        x = self.layer_norm1(x + self.self_attn(x))
        return self.layer_norm2(x + self.mlp(x))


class Decoder(nn.Module):
    def __init__(self, width=768, projection=512):
        super().__init__()
        self.film_mul = nn.Linear(projection, REDUCE_DIM)
        self.film_add = nn.Linear(projection, REDUCE_DIM)
        self.reduces = nn.ModuleList(nn.Linear(width, REDUCE_DIM) for _ in EXTRACT_LAYERS)
        self.layers = nn.ModuleList(DecoderLayer(REDUCE_DIM, 4, 2048) for _ in EXTRACT_LAYERS)
        self.transposed_convolution = nn.Sequential(
            nn.Conv2d(REDUCE_DIM, REDUCE_DIM, 3, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(REDUCE_DIM, REDUCE_DIM // 2, 4, stride=4), nn.ReLU(),
            nn.ConvTranspose2d(REDUCE_DIM // 2, 1, 4, stride=4))

    def forward(self, activations, conditional, grid):
        out = None
        for j, (a, reduce, layer) in enumerate(zip(activations[::-1], self.reduces, self.layers)):
            out = reduce(a) if out is None else reduce(a) + out
            if j == 0:  # conditional_layer 0: FiLM over every token, class token included
                out = self.film_mul(conditional)[:, None] * out + self.film_add(conditional)[:, None]
            out = layer(out)
        out = out[:, 1:].transpose(1, 2)
        return self.transposed_convolution(out.reshape(-1, REDUCE_DIM, grid, grid)).squeeze(1)


class ClipSeg(nn.Module):
    """Inputs: pixel values [B,3,S,S] and token ids [B,77] (as floats: the suite stores every input as float32)."""

    def __init__(self, clip_module):
        super().__init__()
        # ViT-B/16's published sizes (openai/CLIP build_model): embed 512, image 224, 12x768 vision, 12x512 text.
        self.clip = clip_module.CLIP(512, 224, 12, 768, 16, 77, 49408, 512, 8, 12).float()
        self.decoder = Decoder()

    def forward(self, pixels, ids):
        conditional = self.clip.encode_text(ids.long())
        v = self.clip.visual
        x = v.conv1(pixels)
        grid = int(pixels.shape[-1]) // 16  # a constant under tracing: the export is for one input size
        x = x.flatten(2).transpose(1, 2)
        cls = v.class_embedding.to(x.dtype) + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype)
        x = torch.cat([cls, x], dim=1)
        table = v.positional_embedding
        side = 224 // 16
        patches = table[1:].reshape(1, side, side, -1).permute(0, 3, 1, 2)
        patches = F.interpolate(patches, size=(grid, grid), mode="bicubic", align_corners=False)
        x = x + torch.cat([table[:1], patches.permute(0, 2, 3, 1).reshape(grid * grid, -1)])
        x = v.ln_pre(x).permute(1, 0, 2)  # openai/CLIP's blocks take [tokens, batch, width]
        activations = []
        for i, block in enumerate(v.transformer.resblocks):
            x = block(x)
            if i in EXTRACT_LAYERS:
                activations.append(x.permute(1, 0, 2))
            if i == max(EXTRACT_LAYERS):  # later layers feed only the unused pooled output
                break
        return self.decoder(activations, conditional, grid)


def inputs(shapes, generator):
    """Five images (X-Paste's batch) and 'a photo of a dog' in openai/CLIP's tokens, zero-padded to 77."""
    ids = torch.zeros(shapes[1])
    ids[:, :7] = torch.tensor([49406.0, 320, 1125, 539, 320, 1929, 49407])
    return [torch.randn(shapes[0], generator=generator), ids]


def to_transformers(sd, clip_to_transformers):
    clip = {k[len("clip."):]: v for k, v in sd.items() if k.startswith("clip.")}
    out = {"clip." + k: v for k, v in clip_to_transformers(clip, 12, 12).items()}
    out.update({k: v for k, v in sd.items() if k.startswith("decoder.")})
    return out
