#!/usr/bin/env bash
# Makes the archive that scripts/gpu-check.sh runs on a GPU machine without .NET: a self-contained linux-x64 publish
# of samples/XPaste.GpuCheck with TorchSharp's managed code and libLibTorchSharp.so but no libtorch (the GPU machine's
# PyTorch provides it). The fixtures are not packed: they travel with the git working tree.
#   scripts/gpu-pack.sh [archive]     (default artifacts/gpucheck.tar.gz, must stay under 64 MiB)
set -euo pipefail
cd "$(dirname "$0")/.."
archive=${1:-artifacts/gpucheck.tar.gz}
staging=artifacts/gpucheck
rm -rf "$staging"
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
dotnet publish samples/XPaste.GpuCheck -c Release -r linux-x64 --self-contained \
  -p:XPasteNoTorchBackend=true -p:InvariantGlobalization=true -p:DebugType=none -nodeReuse:false \
  -o "$staging/app" >/dev/null
if ls "$staging"/app/libtorch*.so >/dev/null 2>&1; then
  echo "error: $staging/app contains a libtorch; the archive must take it from the GPU machine's PyTorch" >&2
  exit 1
fi
mkdir -p "$(dirname "$archive")"
tar -C "$staging" -czf "$archive" app
size=$(stat -c %s "$archive")
echo "$archive: $((size / 1024 / 1024)) MiB ($size bytes)"
if [ "$size" -ge $((64 * 1024 * 1024)) ]; then
  echo "error: the archive is over 64 MiB" >&2
  exit 1
fi
