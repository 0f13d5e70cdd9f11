"""Side-by-side model stages: export once (weights for XPaste, ONNX for ONNX Runtime, inputs and PyTorch outputs),
then time PyTorch on them. The C# half is `XPaste.Benchmarks --side-by-side DIR` (XPaste and ONNX Runtime in one
process, interleaved; it starts this script's `time` command between its own rounds). Not run by CI.

The models come from the real architectures' own code, fetched at run time and put on PYTHONPATH, never copied here:
U^2-Net from xuebinqin/U-2-Net (`model/u2net.py`), CLIP from openai/CLIP (`clip/model.py`, imported by file path:
its package __init__ needs ftfy and torchvision). transformers' CLIPModel is the same network under other names;
the export renames OpenAI's keys to transformers' (in_proj split into q/k/v, projections transposed).

    PYTHONPATH=/path/to/U-2-Net CLIP_MODEL_PY=/path/to/CLIP/clip/model.py \
      python3 benchmarks/python/side_by_side.py export --out benchmarks/artifacts/side-by-side
    python3 benchmarks/python/side_by_side.py time --dir DIR --stage u2net --threads 2 --iterations 1

Debian's python3-torch 1.13 uses the system BLAS: run with
LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp so that it is OpenBLAS, not netlib (`check` prints it).
Weights are random (seeded) with distinctive batch-norm statistics; timings do not depend on the values.
"""
import argparse
import importlib.util
import json
import os
import resource
import struct
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import side_by_side_models as big  # noqa: E402

STAGES = {
    # name: (input shapes, description)
    "u2net": ([(1, 3, 320, 320)], "U^2-Net full (U2NET(3,1)), 1x3x320x320"),
    "u2netp": ([(1, 3, 320, 320)], "U^2-Net small (U2NETP(3,1)), 1x3x320x320"),
    "clip-b32": ([(8, 3, 224, 224)], "CLIP ViT-B/32 image tower (projected), 8x3x224x224"),
    **big.STAGES,
}


def save_safetensors(path, tensors):
    """Plain safetensors writer (header length, JSON header, raw little-endian data): no extra package needed."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().contiguous().cpu().numpy().astype("<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").reshape(meta["shape"]).copy())
    return out


def clip_module():
    spec = importlib.util.spec_from_file_location("openai_clip_model", os.environ["CLIP_MODEL_PY"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(stage):
    """The stage's model (eval mode) and a function from the input to the tuple of outputs."""
    if stage in ("u2net", "u2netp"):
        from model.u2net import U2NET, U2NETP  # U-2-Net's own code on PYTHONPATH

        model = (U2NETP if stage == "u2netp" else U2NET)(3, 1)
        return model.eval(), lambda x: tuple(model(x))
    if stage == "clip-b32":
        m = clip_module()
        # ViT-B/32's published sizes (openai/CLIP build_model): embed 512, image 224, 12x768 vision, 12x512 text.
        model = m.CLIP(512, 224, 12, 768, 32, 77, 49408, 512, 8, 12).float()
        return model.eval(), lambda x: (model.encode_image(x),)
    built = big.build(stage, clip_module)
    if built is not None:
        return built
    raise SystemExit(f"unknown stage {stage}")


def randomise(model, seed):
    """Distinctive random values for every tensor, batch-norm statistics included (eval reads them)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if not t.is_floating_point():
                continue
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)
            elif name.endswith("running_mean") or name.endswith(".bias"):
                t.copy_(torch.randn(t.shape, generator=g) * 0.1)
            elif name.endswith(".weight") and t.dim() == 1:  # norms' scales
                t.copy_(torch.rand(t.shape, generator=g) * 0.5 + 0.75)


def clip_to_transformers(sd, vision_layers=12, text_layers=12):
    """openai/CLIP state dict -> transformers' CLIPModel names (the layout XPaste loads)."""
    out = {}

    def block(src, dst):
        w, b = sd[src + "attn.in_proj_weight"], sd[src + "attn.in_proj_bias"]
        for i, n in enumerate("qkv"):
            c = w.shape[1]
            out[f"{dst}self_attn.{n}_proj.weight"] = w[i * c:(i + 1) * c]
            out[f"{dst}self_attn.{n}_proj.bias"] = b[i * c:(i + 1) * c]
        for a, z in (("attn.out_proj", "self_attn.out_proj"), ("ln_1", "layer_norm1"), ("mlp.c_fc", "mlp.fc1"),
                     ("mlp.c_proj", "mlp.fc2"), ("ln_2", "layer_norm2")):
            out[f"{dst}{z}.weight"], out[f"{dst}{z}.bias"] = sd[f"{src}{a}.weight"], sd[f"{src}{a}.bias"]

    v = "vision_model."
    out[v + "embeddings.patch_embedding.weight"] = sd["visual.conv1.weight"]
    out[v + "embeddings.class_embedding"] = sd["visual.class_embedding"]
    out[v + "embeddings.position_embedding.weight"] = sd["visual.positional_embedding"]
    for a, z in (("visual.ln_pre", "pre_layrnorm"), ("visual.ln_post", "post_layernorm")):
        out[f"{v}{z}.weight"], out[f"{v}{z}.bias"] = sd[a + ".weight"], sd[a + ".bias"]
    for i in range(vision_layers):
        block(f"visual.transformer.resblocks.{i}.", f"{v}encoder.layers.{i}.")
    out["visual_projection.weight"] = sd["visual.proj"].t()
    t = "text_model."
    out[t + "embeddings.token_embedding.weight"] = sd["token_embedding.weight"]
    out[t + "embeddings.position_embedding.weight"] = sd["positional_embedding"]
    out[t + "final_layer_norm.weight"], out[t + "final_layer_norm.bias"] = sd["ln_final.weight"], sd["ln_final.bias"]
    for i in range(text_layers):
        block(f"transformer.resblocks.{i}.", f"{t}encoder.layers.{i}.")
    out["text_projection.weight"] = sd["text_projection"].t()
    out["logit_scale"] = sd["logit_scale"].reshape(())
    return out


CLIP_B32_CONFIG = {
    "architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": 512, "logit_scale_init_value": 2.6592,
    "text_config": {"hidden_size": 512, "intermediate_size": 2048, "num_attention_heads": 8, "num_hidden_layers": 12,
                    "max_position_embeddings": 77, "vocab_size": 49408, "hidden_act": "quick_gelu",
                    "layer_norm_eps": 1e-05, "projection_dim": 512, "bos_token_id": 49406, "eos_token_id": 49407,
                    "pad_token_id": 1},
    "vision_config": {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12, "num_hidden_layers": 12,
                      "image_size": 224, "patch_size": 32, "num_channels": 3, "hidden_act": "quick_gelu",
                      "layer_norm_eps": 1e-05, "projection_dim": 512},
}


def input_names(stage):
    """ONNX input names, also the keys in io.safetensors: `input`, or `input0`, `input1`, ... for several."""
    n = len(STAGES[stage][0])
    return ["input"] if n == 1 else [f"input{j}" for j in range(n)]


def xpaste_weights(stage, sd, folder):
    """The state dict under the names XPaste loads, plus config.json where XPaste reads one."""
    config = None
    if stage == "clip-b32":
        sd, config = clip_to_transformers(sd), CLIP_B32_CONFIG
    elif stage == "clip-l14":
        sd, config = clip_to_transformers(sd, 24, 12), big.CLIP_L14_CONFIG
    elif stage == "clipseg":
        sd, config = big.clipseg_plain.to_transformers(sd, clip_to_transformers), big.clipseg_plain.CONFIG
    elif stage == "sam-vit-b":
        sd, config = big.sam_to_transformers(sd), big.SAM_CONFIG
    elif stage == "sd-unet":
        sd = big.unet_to_diffusers(sd)
    elif stage == "vae-decode":
        sd = big.vae_to_diffusers(sd)
    if config is not None:
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(config, f, indent=1)
    return sd


def export(args):
    os.makedirs(args.out, exist_ok=True)
    for stage in args.stages.split(","):
        i = list(STAGES).index(stage)  # seeds per stage, independent of which stages one export makes
        torch.manual_seed(100 + i)
        model, run = build(stage)
        randomise(model, 200 + i)
        g = torch.Generator().manual_seed(300 + i)
        xs = big.inputs(stage, g) if stage in big.STAGES else [torch.randn(s, generator=g) for s in STAGES[stage][0]]
        folder = os.path.join(args.out, stage)
        os.makedirs(folder, exist_ok=True)
        inames = input_names(stage)
        if args.onnx_only:
            # Same seeds, same weights: only model.onnx is (re)written; the C# runner checks it against io.safetensors.
            names = sorted(k for k in load_safetensors(os.path.join(folder, "io.safetensors")) if k.startswith("output"))
        else:
            with torch.no_grad():
                outputs = run(*xs)
            names = [f"output{j}" for j in range(len(outputs))]
            sd = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
            save_safetensors(os.path.join(folder, "model.safetensors"), xpaste_weights(stage, sd, folder))
            torch.save(model.state_dict(), os.path.join(folder, "torch_state.pt"))
            save_safetensors(os.path.join(folder, "io.safetensors"), {**dict(zip(inames, xs)), **dict(zip(names, outputs))})
            del sd, outputs

        class Wrapper(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = model

            def forward(self, *x):
                return run(*x)

        # The UNet (3.4 GB) is exported without its weights, which are then added as initializers in one external
        # file (onnx_weights.py): torch 1.13's exporter ran past 12.5 GB on it, with or without constant folding.
        onnx_dir = os.path.join(folder, "onnx")
        os.makedirs(onnx_dir, exist_ok=True)
        light = args.light or stage == "sd-unet"
        wrapper = Wrapper().eval()
        path = os.path.join(onnx_dir, "model.onnx")
        with torch.no_grad():
            torch.onnx.export(wrapper, tuple(xs), path, opset_version=17, input_names=inames, output_names=names,
                              do_constant_folding=not light, export_params=not light)
        if light:
            import onnx_weights
            count, size = onnx_weights.add_weights(path, dict(wrapper.state_dict()), inames)
            print(f"{stage}: {count} weights ({size / 2**30:.2f} GiB) added to {path}", flush=True)
        del model
        print(f"{stage}: {len(names)} outputs -> {folder}", flush=True)


def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    return 0


def time_stage(args):
    """Loads the exported stage, checks it against the stored outputs, times it; prints one JSON line."""
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    folder = os.path.join(args.dir, args.stage)
    model, run = build(args.stage)
    model.load_state_dict(torch.load(os.path.join(folder, "torch_state.pt")))
    io = load_safetensors(os.path.join(folder, "io.safetensors"))
    xs = [io[n] for n in input_names(args.stage)]
    times = []
    with torch.inference_mode():
        outputs = run(*xs)
        diff = max(float((o - io[f"output{j}"]).abs().max()) for j, o in enumerate(outputs))
        for _ in range(args.iterations):
            try:
                with open("/proc/self/clear_refs", "w") as f:
                    f.write("5")
            except OSError:
                pass
            before = status("VmRSS:")
            r0 = resource.getrusage(resource.RUSAGE_SELF)
            t0 = time.perf_counter()
            run(*xs)
            wall = time.perf_counter() - t0
            r1 = resource.getrusage(resource.RUSAGE_SELF)
            cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
            times.append({"wall": wall, "cpu": cpu, "peak_mib": (status("VmHWM:") - before) / 1048576,
                          "load": os.getloadavg()[0]})
    print(json.dumps({"engine": "pytorch", "stage": args.stage, "threads": args.threads, "max_abs_diff": diff,
                      "torch": torch.__version__, "runs": times}), flush=True)


def check(_):
    print(torch.__version__)
    print(torch.__config__.show())
    with open("/proc/self/maps") as f:
        print(sorted({line.split()[-1] for line in f if "blas" in line or "lapack" in line}))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    e = sub.add_parser("export")
    e.add_argument("--out", required=True)
    e.add_argument("--stages", default=",".join(STAGES))
    e.add_argument("--light", action="store_true", help="export the graph without weights, then add them (as for sd-unet)")
    e.add_argument("--onnx-only", action="store_true", help="rewrite model.onnx only (weights, inputs and outputs already exported)")
    e.set_defaults(fn=export)
    t = sub.add_parser("time")
    t.add_argument("--dir", required=True)
    t.add_argument("--stage", required=True, choices=list(STAGES))
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--iterations", type=int, default=1)
    t.set_defaults(fn=time_stage)
    c = sub.add_parser("check")
    c.set_defaults(fn=check)
    args = parser.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
