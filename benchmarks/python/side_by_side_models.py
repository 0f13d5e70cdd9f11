"""The larger stages of side_by_side.py: CLIP ViT-L/14, CLIPSeg, SAM's ViT-B image encoder, SD 1.5's UNet step and VAE decode.

SAM and SD come from this folder's plain-PyTorch architectures (sam_vit_base.py, sd_unet_step.py: Debian's torch
1.13 cannot run transformers' or diffusers' current code); each export renames their parameters to the checkpoint
names XPaste loads (transformers' SamModel.vision_encoder, diffusers' UNet2DConditionModel and AutoencoderKL), so a
wrong name fails XPaste's strict load. CLIP ViT-L/14 is openai/CLIP's own code, like ViT-B/32.
"""
import math
import re

import torch

import clipseg_plain
import sam_vit_base
import sd_unet_step

# name: (input shapes, description). The UNet's inputs are the latents, the timestep (float, [1]) and the text states.
STAGES = {
    "clip-l14": ([(4, 3, 224, 224)], "CLIP ViT-L/14 image tower (projected), 4x3x224x224"),
    "sam-vit-b": ([(1, 3, 1024, 1024)], "SAM ViT-B image encoder (facebook/sam-vit-base size), 1x3x1024x1024"),
    "vae-decode": ([(1, 4, 64, 64)], "SD 1.5 VAE decode (post_quant_conv + decoder), 1x4x64x64 -> 1x3x512x512"),
    "sd-unet": ([(2, 4, 64, 64), (1,), (2, 77, 768)], "SD 1.5 UNet step, batch 2, 64x64 latents"),
    "clipseg": ([(5, 3, 352, 352), (5, 77)], "CLIPSeg rd64-refined (ViT-B/16), 5x3x352x352 and one prompt per image"),
}

CLIP_L14_CONFIG = {
    "architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": 768, "logit_scale_init_value": 2.6592,
    "text_config": {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12, "num_hidden_layers": 12,
                    "max_position_embeddings": 77, "vocab_size": 49408, "hidden_act": "quick_gelu",
                    "layer_norm_eps": 1e-05, "projection_dim": 768, "bos_token_id": 49406, "eos_token_id": 49407,
                    "pad_token_id": 1},
    "vision_config": {"hidden_size": 1024, "intermediate_size": 4096, "num_attention_heads": 16, "num_hidden_layers": 24,
                      "image_size": 224, "patch_size": 14, "num_channels": 3, "hidden_act": "quick_gelu",
                      "layer_norm_eps": 1e-05, "projection_dim": 768},
}

# transformers' SamConfig defaults are sam-vit-base's; XPaste reads the same defaults.
SAM_CONFIG = {"model_type": "sam", "vision_config": {}, "prompt_encoder_config": {}, "mask_decoder_config": {}}


def attention(q, k, v, heads):
    """sd_unet_step's attention with the scale on q instead of baddbmm(empty, beta=0): the same product, but torch
    1.13 exports baddbmm as `alpha * bmm + beta * input`, which puts the uninitialised `empty` score matrix (1 GiB per
    64x64 UNet attention) into the ONNX graph and makes ONNX Runtime multiply and add it on every call."""
    b, n, c = q.shape
    d = c // heads
    q, k, v = (t.reshape(b, -1, heads, d).permute(0, 2, 1, 3).reshape(b * heads, -1, d) for t in (q, k, v))
    o = torch.bmm(torch.bmm(q * (1 / math.sqrt(d)), k.transpose(-1, -2)).softmax(-1), v)
    return o.reshape(b, heads, n, d).permute(0, 2, 1, 3).reshape(b, n, c)


def build(stage, clip_module):
    """The stage's model (eval mode) and a function from the inputs to the tuple of outputs."""
    if stage == "clip-l14":
        # ViT-L/14's published sizes (openai/CLIP build_model): embed 768, image 224, 24x1024 vision, 12x768 text.
        model = clip_module().CLIP(768, 224, 24, 1024, 14, 77, 49408, 768, 12, 12).float()
        return model.eval(), lambda x: (model.encode_image(x),)
    if stage == "clipseg":
        model = clipseg_plain.ClipSeg(clip_module())
        return model.eval(), lambda x, ids: (model(x, ids),)
    if stage == "sam-vit-b":
        model = sam_vit_base.ImageEncoder()
        return model.eval(), lambda x: (model(x),)
    if stage in ("vae-decode", "sd-unet"):
        sd_unet_step.attention = attention
    if stage == "vae-decode":
        model = sd_unet_step.Decoder()
        return model.eval(), lambda z: (model(z),)
    if stage == "sd-unet":
        model = sd_unet_step.UNet()
        return model.eval(), lambda x, t, ctx: (model(x, t, ctx),)
    return None


def inputs(stage, generator):
    shapes = STAGES[stage][0]
    if stage == "clipseg":
        return clipseg_plain.inputs(shapes, generator)
    if stage == "sd-unet":
        return [torch.randn(shapes[0], generator=generator), torch.tensor([999.0]),
                torch.randn(shapes[2], generator=generator)]
    return [torch.randn(s, generator=generator) for s in shapes]


def _rename(sd, rules):
    out = {}
    for name, t in sd.items():
        new = name
        for pattern, repl in rules:
            new = re.sub(pattern, repl, new)
        out[new] = t
    return out


def sam_to_transformers(sd):
    """sam_vit_base.ImageEncoder -> SamModel.vision_encoder's names (without the vision_encoder. prefix)."""
    return _rename(sd, [(r"^patch\.", "patch_embed.projection."), (r"^pos$", "pos_embed"),
                        (r"\.lin([12])\.", r".mlp.lin\1."), (r"^conv([12])\.", r"neck.conv\1."),
                        (r"^ln([12])\.", r"neck.layer_norm\1.")])


def unet_to_diffusers(sd):
    """sd_unet_step.UNet -> diffusers' UNet2DConditionModel names."""
    return _rename(sd, [(r"^linear_([12])\.", r"time_embedding.linear_\1."), (r"^down\.(\d+)\.down\.", r"down_blocks.\1.downsamplers.0.conv."),
                        (r"^down\.", "down_blocks."), (r"^up\.(\d+)\.up\.", r"up_blocks.\1.upsamplers.0.conv."),
                        (r"^up\.", "up_blocks."), (r"^mid_res\.", "mid_block.resnets."), (r"^mid_attn\.", "mid_block.attentions.0."),
                        (r"\.block\.", ".transformer_blocks.0."), (r"\.proj\.", ".ff.net.0.proj."), (r"\.out\.", ".ff.net.2.")])


def vae_to_diffusers(sd):
    """sd_unet_step.Decoder -> diffusers' AutoencoderKL names (decoder and post_quant_conv)."""
    out = _rename(sd, [(r"^mid\.0\.", "mid_block.resnets.0."), (r"^mid\.2\.", "mid_block.resnets.1."),
                       (r"^mid\.1\.to_out\.", "mid_block.attentions.0.to_out.0."), (r"^mid\.1\.", "mid_block.attentions.0."),
                       (r"^blocks\.(\d+)\.up\.", r"up_blocks.\1.upsamplers.0.conv."), (r"^blocks\.", "up_blocks.")])
    return {(k if k.startswith("post_quant_conv") else "decoder." + k): v for k, v in out.items()}
