#!/usr/bin/env bash
# Milliseconds per unrolled-gradient evaluation, side by side in one run:
# ConvNet-3 (128 channels, instance norm) on 1x28x28, 2 classes, ipc 10,
# N = 20 unrolled steps, full synthetic batch, on
#   the GPU and the CPU through the engine (bench_cuda, with a check that the
#   two backends' first gradients agree), and
#   PyTorch on CUDA (and on the CPU with TORCH_CPU=1) through mtt_time.py.
# Every line is machine-readable (key=value); PyTorch's lines are prefixed
# with "bench=torch_mtt".
#
# usage: bench/bench_cuda.sh [DIR]   DIR holds bench_cuda (a build folder:
#        DIR/bench/bench_cuda, or a folder with bench_cuda in it); default build-cuda
# env:   ITERS (5) WARMUP (2) THREADS (nproc) TORCH_CPU (0) PYTHON (python3)
set -u
cd "$(dirname "$0")/.."
dir=${1:-build-cuda}
bench=$dir/bench/bench_cuda
[ -x "$bench" ] || bench=$dir/bench_cuda
if [ ! -x "$bench" ]; then
  echo "bench_cuda.sh: no bench_cuda under $dir (meson compile -C build-cuda first)" >&2
  exit 2
fi
iters=${ITERS:-5} warmup=${WARMUP:-2} threads=${THREADS:-$(nproc 2>/dev/null || echo 2)}
py=${PYTHON:-python3}
shape=(--ipc 10 --classes 2 --steps 20 --channels 1)

rc=0
"$bench" --arch convnet --size 28 "${shape[@]}" --backend both --iters "$iters" --warmup "$warmup" \
  --threads "$threads" --check || rc=1

# The PyTorch anchor: the shared copy when it is here, else ours (bench/torch).
mtt=${CZ_SHARED_DIR:-../shared}/tools/mtt_time.py
if [ -f "$mtt" ]; then
  if ! diff -q <(sed '2,4d' bench/torch/mtt_time.py) "$mtt" >/dev/null; then
    echo "bench_cuda.sh: note: bench/torch/mtt_time.py differs from $mtt (using the shared one)" >&2
  fi
else
  mtt=bench/torch/mtt_time.py
fi
torch_run() { # device, extra args
  local dev=$1; shift
  local line
  if line=$("$py" "$mtt" convnet "${shape[@]}" --device "$dev" --iters "$iters" --warmup "$warmup" "$@" 2>&1 | tail -n 1) \
     && [[ $line == model=* ]]; then
    echo "bench=torch_mtt $line"
  else
    echo "bench=torch_mtt device=$dev skipped=\"${line//\"/\'}\""
  fi
}
if "$py" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  torch_run cuda
else
  echo "bench=torch_mtt device=cuda skipped=\"no PyTorch with CUDA for $py\""
fi
if [ "${TORCH_CPU:-0}" = 1 ]; then
  torch_run cpu --threads "$threads"
fi
exit $rc
