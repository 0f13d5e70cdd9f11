#!/usr/bin/env bash
# One call on a GPU machine with CUDA and PyTorch but no .NET: unpacks the archive made by scripts/gpu-pack.sh, points
# TorchSharp at PyTorch's libtorch, runs benchmarks/python/sd_unet_step_gpu.py for the PyTorch side of the UNet step
# and benchmarks/python/side_by_side_gpu.py for the other model stages,
# then every check of samples/XPaste.GpuCheck, and prints one Markdown table. Finishes within 8 minutes.
#   scripts/gpu-check.sh [--device cuda|cpu] [--quick] [--only NAME]
# Environment: GPUCHECK_ARCHIVE (default artifacts/gpucheck.tar.gz), PYTHON (default python3),
# GPUCHECK_TORCH_LIB (a libtorch folder, instead of PyTorch's; the CPU dry run falls back to the TorchSharp-cpu
# NuGet package's libtorch when this machine has no PyTorch).
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
archive=${GPUCHECK_ARCHIVE:-artifacts/gpucheck.tar.gz}
python=${PYTHON:-python3}
device=cuda
for ((i = 1; i <= $#; i++)); do
  if [ "${!i}" = "--device" ]; then j=$((i + 1)); device=${!j}; fi
done
deadline=$((SECONDS + 470))

if [ ! -f "$archive" ]; then
  echo "error: $archive: not found (make it with scripts/gpu-pack.sh where .NET is installed)" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$archive" -C "$work"

torch_lib=${GPUCHECK_TORCH_LIB:-}
if [ -z "$torch_lib" ]; then
  torch_lib=$("$python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null || true)
fi
if [ -z "$torch_lib" ] && [ "$device" = "cpu" ]; then
  torch_lib=$(ls -d "$HOME"/.nuget/packages/libtorch-cpu-linux-x64/*/runtimes/linux-x64/native 2>/dev/null | tail -1)
fi
if [ -z "$torch_lib" ] || [ ! -f "$torch_lib/libtorch.so" ]; then
  echo "error: no libtorch found (PyTorch not importable by $python and GPUCHECK_TORCH_LIB not set)" >&2
  exit 2
fi

echo "libtorch: $torch_lib"
"$python" -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, "GPU", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none")' 2>/dev/null || true

# The PyTorch side of the UNet step, given at most 150 s; its last line is JSON.
if [ "$device" != "cpu" ] && "$python" -c 'import torch' 2>/dev/null; then
  XPASTE_TORCH_UNET_JSON=$(timeout 150 "$python" benchmarks/python/sd_unet_step_gpu.py 2>/dev/null | tail -1)
  export XPASTE_TORCH_UNET_JSON
  # The other model stages (SAM encoder, VAE decode, CLIP towers), at most 120 s; last line JSON.
  XPASTE_TORCH_STAGES_JSON=$(timeout 120 "$python" benchmarks/python/side_by_side_gpu.py 2>/dev/null | tail -1)
  export XPASTE_TORCH_STAGES_JSON
fi

export LD_LIBRARY_PATH="$torch_lib:${LD_LIBRARY_PATH:-}"
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
left=$((deadline - SECONDS))
timeout "$left" "$work/app/xpaste-gpucheck" --torch-lib "$torch_lib" --repo "$repo" --budget-seconds $((left - 60)) "$@"
rc=$?
[ $rc -eq 124 ] && echo "error: the check ran past the time limit" >&2
exit $rc
