#!/usr/bin/env bash
# The side-by-side timing of docs/results.md: for each clinical CSV, Condensa's
# ipc-10 MTT sets (bench_mtt_quality, the same seeds as results_tabular.sh, so
# the same sets bit for bit) and then the PyTorch anchor at both settings,
# one after the other, on a machine with nothing else running. The full
# results run shares its cores with other jobs; this one is for the clock.
# usage: bench/anchor_rerun.sh [BUILD_DIR] [NAME...] > docs/results/anchor.txt
# env: SEEDS (3, as results_tabular.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
shift || true
NAMES=("$@")
[ ${#NAMES[@]} -gt 0 ] || NAMES=(pima wdbc alzheimers biopsy stroke mgus2 icu_mortality trace
                                 ctg pneumon nwtco flchain nafld)
SHARED=${CZ_SHARED_DIR:-$(cd .. && pwd)/shared}
SEEDS=${SEEDS:-3}
echo "kind=run date=$(date -u +%Y-%m-%dT%H:%M:%SZ) commit=$(git rev-parse --short HEAD 2>/dev/null || echo none)" \
     "host_cpus=$(nproc) seeds=$SEEDS models=5 threads=1 purpose=timing load=$(cut -d' ' -f1 /proc/loadavg)"
for name in "${NAMES[@]}"; do
  csv="$SHARED/data/$name.csv"
  split="$SHARED/data/splits/$name.split"
  "$BUILD/bench/bench_mtt_quality" "$csv" --split "$split" --ipc 10 --seeds "$SEEDS" --methods mtt \
    2>/dev/null | grep 'kind=seed' || echo "dataset=$name ipc=10 kind=failed driver=bench_mtt_quality"
  IPCS=" " SATM_IPCS=" " bench/results_tabular.sh "$BUILD" "$name" | grep -v '^kind=run'
done
