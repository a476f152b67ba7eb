#!/usr/bin/python3
"""Turns mtt_quality.py's one result line
  csv=pima.csv ipc=10 full=0.83+-0.01 random=... mtt=... lr=... experts_s=.. distill_s=..
into the benchmark's machine-readable lines (one per method).
usage: parse_anchor.py SETTINGS_TAG < anchor_output"""
import re
import sys

tag = sys.argv[1]
found = False
for line in sys.stdin:
    kv = dict(re.findall(r"(\S+?)=(\S+)", line))
    if "csv" not in kv:
        continue
    found = True
    name = kv["csv"].rsplit(".", 1)[0]
    for method in ("full", "random", "mtt"):
        mean, std = kv[method].split("+-")
        extra = ""
        if method == "mtt":
            extra = " lr=%s distill_s=%s experts_s=%s iters=%s" % (
                kv["lr"], kv["distill_s"], kv["experts_s"], kv.get("iters", "?"))
        print("dataset=%s method=%s ipc=%s kind=summary engine=pytorch settings=%s "
              "auroc_mean=%s auroc_std=%s%s" % (name, method, kv["ipc"], tag, mean, std, extra))
sys.exit(0 if found else 1)
