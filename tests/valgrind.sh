#!/usr/bin/env bash
# Runs the kernel under valgrind through a short scripted Jupyter session
# (values, prints, an error, tables, a chart, a progress bar, completion,
# inspect, history, an interrupted loop, a failed option check, then a
# shutdown_request) and fails on memory errors or on definite/indirect leaks.
# "Possibly lost" blocks (thread stacks of ZeroMQ and OpenBLAS) are not counted.
#   usage: valgrind.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:?usage: valgrind.sh BUILD_DIR}" && pwd)
kernel="$build/kernel/condensa-kernel"
command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 77; }
[ -x "$kernel" ] || { echo "no kernel at $kernel: build first"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log="$tmp/valgrind.log"
mkdir -p "$tmp/kernels/condensa"
cat > "$tmp/kernels/condensa/kernel.json" <<JSON
{"argv": ["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect",
          "--errors-for-leak-kinds=definite,indirect", "--track-origins=yes",
          "--log-file=$log", "$kernel", "-f", "{connection_file}"],
 "display_name": "Condensa under valgrind", "language": "lua", "interrupt_mode": "message"}
JSON

JUPYTER_PATH="$tmp" OPENBLAS_NUM_THREADS=1 /usr/bin/python3 - <<'PY'
import sys, time
from jupyter_client.manager import start_new_kernel

km, kc = start_new_kernel(kernel_name="condensa", startup_timeout=120)
def fail(text):
    km.shutdown_kernel(now=True)   # never leave a kernel behind
    sys.exit(text)

def run(code, want="ok", **kw):
    r = kc.execute_interactive(code, timeout=120, output_hook=lambda m: None, **kw)
    status = r["content"]["status"]
    if status != want:
        fail(f"cell {code!r}: status {status}, expected {want}: {r['content']}")

def session():
    run("x = 1 + 2 + 3")
    run("for i = 1, 50 do print(i, {i, tostring(i)}) end")
    run("error('boom')", want="error")
    run("display.table({{name = 'a', v = 1.5}, {name = 'b', v = 2}}, {caption = 't'})")
    run("display.chart({loss = {3, 2, 1, 0.5}}, {logy = true})")
    run("local b = display.progress(10, {label = 'p'}); for i = 1, 10 do b:update(i, {loss = 1 / i}) end; b:done()")
    run("display.png({{0, 1}, {1, 0}})")
    run("setmetatable({}, {__mime = function() return {['text/html'] = '<b>x</b>'} end})")
    run("display.table({}, {colums = 1})", want="error")
    run("t = {}; t.self = t; t")
    run("s = io.read()", want="error", allow_stdin=False)
    kc.complete("string.up"); kc.get_shell_msg(timeout=60)
    kc.inspect("dc.version"); kc.get_shell_msg(timeout=60)
    kc.history(hist_access_type="tail", n=3); kc.get_shell_msg(timeout=60)
    msg_id = kc.execute("while true do end")
    time.sleep(2)
    kc.control_channel.send(kc.session.msg("interrupt_request", {}))
    kc.get_control_msg(timeout=60)
    while True:
        m = kc.get_shell_msg(timeout=120)
        if m["parent_header"].get("msg_id") == msg_id:
            break
    run("x")

try:
    session()
except BaseException:
    km.shutdown_kernel(now=True)   # a timeout must not leave a kernel behind
    raise
kc.shutdown()
kc.get_control_msg(timeout=60)
deadline = time.monotonic() + 120
while km.is_alive() and time.monotonic() < deadline:
    time.sleep(0.2)
if km.is_alive():
    km.shutdown_kernel(now=True)
    sys.exit("kernel did not exit after shutdown_request")
kc.stop_channels()
km.cleanup_resources()
PY

# Wait for valgrind to finish writing its report.
for _ in $(seq 1 100); do grep -q "ERROR SUMMARY" "$log" 2>/dev/null && break; sleep 0.2; done
grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|All heap blocks" "$log" | sed 's/^==[0-9]*== */  /'
errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -n 1)
if [ "${errors:-x}" != "0" ]; then
    echo "valgrind reported ${errors:-no summary} error(s):"
    sed -n '1,200p' "$log"
    exit 1
fi
echo "valgrind: no memory errors, no definite or indirect leaks"
