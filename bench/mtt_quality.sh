#!/usr/bin/env bash
# Distillation quality, Condensa next to the PyTorch reference in one run.
# For each CSV: Condensa's full / random / herding / MTT (bench_mtt_quality,
# cz-split-v1 split, its tuned defaults), then the PyTorch anchor
# ../shared/tools/mtt_quality.py on the same split (bench/mtt_quality_czsplit.py)
# with the reference's own defaults (settings=reference) and with Condensa's
# MTT settings (settings=condensa: N, M, lr_img, lr_lr, lr_init, class weights; the anchor
# still uses its own expert count/epochs, start range and evaluation).
# Every result is one line: dataset=.. method=.. engine=.. auroc_mean=.. auroc_std=..
# usage: bench/mtt_quality.sh [BUILD_DIR] [NAME...]     (default: build pima wdbc)
# env: SEEDS (3), ITERS_OVERRIDE (MTT iterations; default the engine's), IPC (10)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
shift || true
NAMES=("$@")
[ ${#NAMES[@]} -gt 0 ] || NAMES=(pima wdbc)
SHARED=${CZ_SHARED_DIR:-$(cd .. && pwd)/shared}
DRIVER="$BUILD/bench/bench_mtt_quality"
SEEDS=${SEEDS:-3}
IPC=${IPC:-10}
[ -x "$DRIVER" ] || { echo "mtt_quality.sh: build $DRIVER first (meson compile -C $BUILD)" >&2; exit 1; }


have_torch=1
/usr/bin/python3 -c 'import torch, sklearn' 2>/dev/null || have_torch=0

# The anchor's raw output is kept next to the parsed lines (stderr) for the record.
to_lines() {
  tee /dev/stderr | /usr/bin/python3 bench/parse_anchor.py "$1"
}

for name in "${NAMES[@]}"; do
  csv="$SHARED/data/$name.csv"
  split="$SHARED/data/splits/$name.split"
  # Condensa's MTT settings for this dataset (the auto lr_init depends on it).
  read -r C_ITERS C_STEPS C_LRIMG C_LRLR C_M C_LRINIT C_CW < <("$DRIVER" "$csv" --split "$split" --print-defaults)
  ITERS=${ITERS_OVERRIDE:-$C_ITERS}
  "$DRIVER" "$csv" --split "$split" --ipc "$IPC" --iters "$ITERS" --seeds "$SEEDS" \
    --methods full,random,herding,mtt | grep kind=summary
  if [ $have_torch = 1 ]; then
    /usr/bin/python3 bench/mtt_quality_czsplit.py "$SHARED/tools" "$csv" "$split" \
      --ipc "$IPC" --iters 300 | to_lines reference || echo "dataset=$name engine=pytorch settings=reference failed=1"
    /usr/bin/python3 bench/mtt_quality_czsplit.py "$SHARED/tools" "$csv" "$split" \
      --ipc "$IPC" --iters "$ITERS" --steps "$C_STEPS" --lr-img "$C_LRIMG" --lr-lr "$C_LRLR" \
      --lr-init "$C_LRINIT" --expert-epochs "$C_M" --class-weights "$C_CW" \
      | to_lines condensa || echo "dataset=$name engine=pytorch settings=condensa failed=1"
  else
    echo "dataset=$name engine=pytorch skipped=1 reason=no-torch"
  fi
done
