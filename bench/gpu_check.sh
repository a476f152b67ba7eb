#!/usr/bin/env bash
# The one-shot check for a session that has a GPU (under 8 minutes): the
# device, a CUDA build (from source when meson and the project's libraries are
# there; else the bundle bench/gpu_bundle.sh made beforehand, carried as
# .gpu-bundle), the CUDA suites with every test required to RUN (a skip means
# the device did not answer, and fails the check), then the benchmark
# (bench/bench_cuda.sh: engine GPU vs CPU vs PyTorch CUDA).
# Everything goes to $OUT/gpu_check.log (OUT defaults to ./gpu_check_out); the
# last lines are a machine-readable summary. Exit 0 only when all passed.
#
# usage: bench/gpu_check.sh            (device run: command=bench/gpu_check.sh
#                                       carry=[".gpu-bundle"] timeout_s=540)
# env:   GPU_CHECK_FROM=source|bundle (default: source when it builds, else bundle),
#        ITERS, WARMUP, TORCH_CPU (bench_cuda.sh)
set -u
cd "$(dirname "$0")/.."
root=$PWD
out=${OUT:-$root/gpu_check_out}
mkdir -p "$out"
exec > >(tee "$out/gpu_check.log") 2>&1
t0=$(date +%s)
phase() { echo; echo "== $* ($(( $(date +%s) - t0 )) s)"; }
status_build=FAIL status_tests=FAIL status_bench=FAIL

phase device
nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>&1 \
  || echo "nvidia-smi failed: no GPU here?"
command -v nvcc >/dev/null && nvcc --version | tail -n 2

phase build
bin=""   # folder with the test programs and bench_cuda
libs=""  # extra library folder (bundle)
ncpu=$(nproc 2>/dev/null || echo 4)
from=${GPU_CHECK_FROM:-auto}
if [ "$from" != bundle ] && command -v meson >/dev/null && command -v ninja >/dev/null; then
  export PATH=$PATH:/usr/local/cuda/bin
  if { [ -f build-cuda/build.ninja ] || timeout 120 meson setup build-cuda -Dcuda=enabled; } &&
     timeout 240 meson compile -C build-cuda -j "$ncpu"; then
    mkdir -p "$out/bin-src"
    bin=$out/bin-src
    ln -sf "$root"/build-cuda/tests/engine/cuda/test_cuda_{backend,ops,model} "$root/build-cuda/bench/bench_cuda" "$bin/"
    echo "built from source in build-cuda/"
  else
    echo "source build failed (see above); trying the bundle"
  fi
else
  echo "no meson/ninja here (or GPU_CHECK_FROM=bundle); using the bundle"
fi
if [ -z "$bin" ] && [ -f .gpu-bundle/bundle.tar.gz ]; then
  b=$(mktemp -d)
  tar xzf .gpu-bundle/bundle.tar.gz -C "$b"
  bin=$b/bin libs=$b/lib
  echo "bundle of commit $(cat "$b/COMMIT"), this tree is $(git rev-parse HEAD 2>/dev/null || echo unknown)"
fi
if [ -z "$bin" ]; then
  echo "no build: install meson, ninja, Criterion and OpenBLAS, or run bench/gpu_bundle.sh on a CPU"
  echo "machine and carry .gpu-bundle"
else
  status_build=OK
  [ -n "$libs" ] && export LD_LIBRARY_PATH=$libs:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
fi

if [ "$status_build" = OK ]; then
  phase tests
  status_tests=OK
  for t in test_cuda_backend test_cuda_ops test_cuda_model; do
    timeout 120 "$bin/$t" --verbose --jobs "$ncpu" > "$out/$t.log" 2>&1
    rc=$?
    grep -E '^\[(PASS|FAIL|SKIP|----)\]|Synthesis' "$out/$t.log"
    skips=$(grep -c '^\[SKIP\]' "$out/$t.log")
    if [ $rc -ne 0 ] || [ "$skips" -ne 0 ] || ! grep -q 'Synthesis' "$out/$t.log"; then
      echo "$t: FAILED (exit $rc, $skips skipped; log $out/$t.log)"
      status_tests=FAIL
    fi
  done

  phase bench
  if ITERS=${ITERS:-5} WARMUP=${WARMUP:-2} THREADS=$ncpu TORCH_CPU=${TORCH_CPU:-1} \
     timeout 180 bench/bench_cuda.sh "$bin" | tee "$out/bench.txt"; then
    grep -q '^bench=unroll backend=cuda .*ms_per_iter=' "$out/bench.txt" && status_bench=OK
  fi
fi

phase summary
grep -h '^bench=' "$out/bench.txt" 2>/dev/null
echo "gpu_check build=$status_build tests=$status_tests bench=$status_bench seconds=$(( $(date +%s) - t0 ))"
[ "$status_build$status_tests$status_bench" = OKOKOK ]
