#!/usr/bin/env bash
# Kernel latency side by side: Condensa (from a build tree) and ipykernel,
# in one run, through ../shared/tools/kernel_latency.py (fresh kernel per
# repeat; startup, execute round trip median and p99, cells/s, RSS).
# Prints one machine-readable line per kernel and cell kind:
#   bench=kernel_latency kernel=condensa client=raw cell=noop K=200 repeats=3 startup_ms=... ready_ms=...
#       rt_median_ms=... rt_p99_ms=... cells_per_s=... rss_start_mb=... rss_end_mb=...
# usage: bench/kernel_latency.sh [BUILD_DIR]   (env: K=200 REPEAT=3 CLIENT=raw SHARED=../shared)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
shared=${SHARED:-$src/../shared}
tool="$shared/tools/kernel_latency.py"
K=${K:-200} REPEAT=${REPEAT:-3} CLIENT=${CLIENT:-raw}
[ -f "$tool" ] || { echo "missing $tool (set SHARED=path/to/shared)"; exit 1; }
[ -f "$build/kernel/kernelspec/condensa/kernel.json" ] || { echo "build first: meson compile -C $build"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/kernels"
cp -r "$build/kernel/kernelspec/condensa" "$tmp/kernels/condensa"
export JUPYTER_PATH="$tmp"

# kernel, cell kind, code
cases=(
  "condensa|noop|local _ = 0"
  "python3|noop|pass"
  "condensa|print100|for i = 1, 100 do print(i) end"
  "python3|print100|for i in range(100): print(i)"
)
for c in "${cases[@]}"; do
  IFS='|' read -r kernel kind code <<<"$c"
  json="$tmp/$kernel-$kind.json"
  /usr/bin/python3 "$tool" --kernel "$kernel" --code "$code" -K "$K" --repeat "$REPEAT" \
    --client "$CLIENT" --json "$json" >"$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
  /usr/bin/python3 - "$json" "$kernel" "$kind" "$CLIENT" <<'PY'
import json, sys
path, kernel, kind, client = sys.argv[1:]
d = json.load(open(path))
m = d["median"]
print(f"bench=kernel_latency kernel={kernel} client={client} cell={kind} K={d['args']['K']} "
      f"repeats={len(d['runs'])} startup_ms={m['startup_ms']:.1f} ready_ms={m['ready_ms']:.1f} "
      f"rt_median_ms={m['rt_median_ms']:.3f} rt_p99_ms={m['rt_p99_ms']:.3f} "
      f"cells_per_s={m['cells_per_s']:.0f} rss_start_mb={m['rss_start_kb'] / 1024:.1f} "
      f"rss_end_mb={m['rss_end_kb'] / 1024:.1f}")
PY
done
