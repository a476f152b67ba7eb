#!/usr/bin/env bash
# Side by side, in one run on one machine: Condensa's unrolled MTT iteration
# (bench/bench_unroll) against the PyTorch anchor (../shared/tools/mtt_time.py)
# on the same shapes, thread count and step count; prints both tools' lines
# and the ratios (torch / condensa: above 1 means Condensa is faster).
#
# usage: bench/unroll_vs_torch.sh [quick|full] [BUILD_DIR]
#   quick (default): MLP on pima's shape (8 features, ipc 10, N 20) and
#                    ConvNet-3 28x28 with 2 classes (ipc 10: 20 images, N 20)
#   full:            adds ConvNet-3 28x28 with batch 100 (10 classes x ipc 10)
#                    and torch's peak memory for N = 10, 20, 40, 80 (MLP)
# env: THREADS (2), SHARED (../shared), PYTHON (/usr/bin/python3)
set -euo pipefail
mode=${1:-quick}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-$root/build}
shared=${SHARED:-$root/../shared}
py=${PYTHON:-/usr/bin/python3}
threads=${THREADS:-2}
bench=$build/bench/bench_unroll
torch_tool=$shared/tools/mtt_time.py
[ -x "$bench" ] || { echo "build first: meson compile -C $build (missing $bench)" >&2; exit 1; }
[ -f "$torch_tool" ] || { echo "missing $torch_tool; set SHARED=path/to/shared" >&2; exit 1; }
"$py" -c 'import torch' 2>/dev/null || { echo "PyTorch not importable by $py (apt install python3-torch)" >&2; exit 1; }

field() { sed -n "s/.*[ ^]$1=\([^ ]*\).*/\1/p" <<<"$2" | head -n1; }

echo "# machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); threads=$threads"

# compare NAME "C args" "torch args" ITERS WARMUP
compare() {
    local name=$1 cargs=$2 targs=$3 iters=$4 warm=$5
    local c t
    c=$("$bench" $cargs --threads "$threads" --iters "$iters" --warmup "$warm" | grep '^bench=unroll')
    t=$("$py" "$torch_tool" $targs --threads "$threads" --iters "$iters" --warmup "$warm")
    echo "$c"
    echo "bench=unroll impl=torch $t"
    local cms tms cmem tmem
    cms=$(field ms_per_iter "$c"); tms=$(field ms_per_iter_median "$t")
    cmem=$(field maxrss_mb "$c"); tmem=$(field peak_mem_mb "$t")
    awk -v n="$name" -v c="$cms" -v t="$tms" -v cm="$cmem" -v tm="$tmem" 'BEGIN {
        printf "ratio case=%s condensa_ms=%.2f torch_ms=%.2f speedup=%.2f condensa_mb=%s torch_mb=%s mem_ratio=%.1f\n",
               n, c, t, t / c, cm, tm, tm / cm }'
}

compare mlp_pima "mlp --features 8 --ipc 10 --classes 2 --steps 20" \
                 "mlp --features 8 --ipc 10 --classes 2 --steps 20" 30 5
"$bench" mlp --features 8 --ipc 10 --classes 2 --steps 20 --threads "$threads" --iters 0 --warmup 0 \
    --memory 10,20,40,80 \
    | grep -E '^bench=(epoch|memory)'
compare convnet3_28_ipc10_c2 "convnet --ipc 10 --classes 2 --steps 20 --epoch-rows 0" \
                             "convnet --ipc 10 --classes 2 --steps 20" 3 1
"$bench" convnet --ipc 10 --classes 2 --steps 20 --threads "$threads" --iters 0 --warmup 0 --epoch-rows 256 \
    --memory 10,20,40,80 \
    | grep -E '^bench=(epoch|memory)'

if [ "$mode" = full ]; then
    compare convnet3_28_batch100 "convnet --ipc 10 --classes 10 --steps 20 --epoch-rows 0" \
                                 "convnet --ipc 10 --classes 10 --steps 20" 2 1
    for n in 10 20 40 80; do
        t=$("$py" "$torch_tool" mlp --features 8 --ipc 10 --steps "$n" --threads "$threads" --iters 3 --warmup 1)
        echo "bench=memory impl=torch arch=mlp steps=$n peak_mem_mb=$(field peak_mem_mb "$t") ms_per_iter=$(field ms_per_iter_median "$t")"
    done
fi
