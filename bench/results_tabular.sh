#!/usr/bin/env bash
# The tabular results of docs/results.md, in one run: for every clinical CSV
# in ../shared/data (cz-split-v1 splits), Condensa's full / random / herding /
# DM / DD / MTT (bench_mtt_quality) at ipc 1, 10 and 50, BTM and SATM next to
# MTT (bench_btm) at ipc 1 and 10, then the PyTorch anchor
# (../shared/tools/mtt_quality.py on the same split, bench/mtt_quality_czsplit.py)
# at ipc 10 with its own settings and with Condensa's MTT settings.
# Each line is machine-readable (key=value); bench/results_table.py turns the
# lines into the tables of docs/results.md.
# usage: bench/results_tabular.sh [BUILD_DIR] [NAME...] > docs/results/tabular.txt
# env: SEEDS (3 synthetic sets per method; each evaluated with 5 fresh models),
#      IPCS ("1 10 50"), SATM_IPCS ("1 10"), ANCHOR (1: run the PyTorch anchor)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
shift || true
NAMES=("$@")
[ ${#NAMES[@]} -gt 0 ] || NAMES=(pima wdbc alzheimers biopsy stroke mgus2 icu_mortality trace
                                 ctg pneumon nwtco flchain nafld)
SHARED=${CZ_SHARED_DIR:-$(cd .. && pwd)/shared}
SEEDS=${SEEDS:-3}
IPCS=${IPCS:-1 10 50}
SATM_IPCS=${SATM_IPCS:-1 10}
ANCHOR=${ANCHOR:-1}
MTTQ="$BUILD/bench/bench_mtt_quality"
BTM="$BUILD/bench/bench_btm"
for exe in "$MTTQ" "$BTM"; do
  [ -x "$exe" ] || { echo "results_tabular.sh: build $exe first (meson compile -C $BUILD)" >&2; exit 1; }
done
if [ "$ANCHOR" = 1 ] && ! /usr/bin/python3 -c 'import torch, sklearn' 2>/dev/null; then
  echo "results_tabular.sh: the PyTorch anchor needs python3-torch and python3-sklearn (ANCHOR=0 skips it)" >&2
  exit 1
fi
echo "kind=run date=$(date -u +%Y-%m-%dT%H:%M:%SZ) commit=$(git rev-parse --short HEAD 2>/dev/null || echo none)" \
     "host_cpus=$(nproc) seeds=$SEEDS models=5 threads=1"

for name in "${NAMES[@]}"; do
  csv="$SHARED/data/$name.csv"
  split="$SHARED/data/splits/$name.split"
  for ipc in $IPCS; do
    methods=random,herding,dm,dd,mtt
    [ "$ipc" = 10 ] && methods=full,$methods
    "$MTTQ" "$csv" --split "$split" --ipc "$ipc" --seeds "$SEEDS" --methods "$methods" \
      2>/dev/null | grep 'kind=seed' || echo "dataset=$name ipc=$ipc kind=failed driver=bench_mtt_quality"
  done
  for ipc in $SATM_IPCS; do
    # mtt again here: the reference point of BTM/SATM on the very same run.
    "$BTM" "$csv" --split "$split" --ipc "$ipc" --seeds "$SEEDS" \
      --methods mtt,btm,satm_approx,satm_btm 2>/dev/null | grep -v 'kind=summary' \
      | sed "s/kind=curves/ipc=$ipc kind=curves/; s/kind=storage/ipc=$ipc kind=storage/" \
      || echo "dataset=$name ipc=$ipc kind=failed driver=bench_btm"
  done
  if [ "$ANCHOR" = 1 ]; then
    read -r C_ITERS C_STEPS C_LRIMG C_LRLR C_M C_LRINIT C_CW < <("$MTTQ" "$csv" --split "$split" --print-defaults)
    /usr/bin/python3 bench/mtt_quality_czsplit.py "$SHARED/tools" "$csv" "$split" --ipc 10 --iters 300 \
      2>/dev/null | /usr/bin/python3 bench/parse_anchor.py reference \
      || echo "dataset=$name engine=pytorch settings=reference kind=failed"
    /usr/bin/python3 bench/mtt_quality_czsplit.py "$SHARED/tools" "$csv" "$split" \
      --ipc 10 --iters "$C_ITERS" --steps "$C_STEPS" --lr-img "$C_LRIMG" --lr-lr "$C_LRLR" \
      --lr-init "$C_LRINIT" --expert-epochs "$C_M" --class-weights "$C_CW" \
      2>/dev/null | /usr/bin/python3 bench/parse_anchor.py condensa \
      || echo "dataset=$name engine=pytorch settings=condensa kind=failed"
  fi
done
