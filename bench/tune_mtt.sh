#!/usr/bin/env bash
# Grid search of MTT's outer rates on the VALIDATION split (never test), the
# way docs/methods.md's defaults were chosen. One summary line per setting.
# usage: bench/tune_mtt.sh [BUILD_DIR] [NAME...]
# env (space-separated lists): LR_IMG, LR_LR, STEPS, CW, M; scalars SEEDS (2), ITERS (300)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
shift || true
NAMES=("$@")
[ ${#NAMES[@]} -gt 0 ] || NAMES=(pima wdbc)
SHARED=${CZ_SHARED_DIR:-$(cd .. && pwd)/shared}
SEEDS=${SEEDS:-2}
ITERS=${ITERS:-300}
for name in "${NAMES[@]}"; do
  for m in ${M:-2}; do
  for steps in ${STEPS:-20}; do
    for cw in ${CW:-0}; do
      for lr_img in ${LR_IMG:-0.1 0.3 1 3 10}; do
        for lr_lr in ${LR_LR:-1e-7 1e-6 1e-5}; do
          line=$("$BUILD/bench/bench_mtt_quality" "$SHARED/data/$name.csv" \
                 --split "$SHARED/data/splits/$name.split" --methods mtt --score val \
                 --seeds "$SEEDS" --iters "$ITERS" --steps "$steps" --expert-epochs "$m" --class-weights "$cw" \
                 --lr-img "$lr_img" --lr-lr "$lr_lr" 2>/dev/null | grep kind=summary)
          echo "$line steps=$steps class_weights=$cw lr_img=$lr_img lr_lr=$lr_lr iters=$ITERS expert_epochs=$m"
        done
      done
    done
  done
  done
done
