#!/usr/bin/python3
"""Turns bench/bench_images lines (one file per image set) into the markdown
tables of docs/results.md: test AUROC and accuracy of each method's synthetic
set, distilled on ConvNet-3, evaluated on ConvNet and on the architectures it
was not distilled on. Each cell: mean ± std over all seeds x models, pooled
from the per-set means and stds when the lines carry stds, else over seeds.
usage: results_images.py FILE... > tables.md"""
import collections
import math
import re
import sys

METHODS = [("random", "random real"), ("mtt", "MTT"), ("btm", "BTM"), ("prior", "prior + MTT")]
ARCHS = ["convnet", "alexnet", "vgg11", "resnet18"]


def main():
    per = collections.defaultdict(list)
    phases = []
    for path in sys.argv[1:]:
        for line in open(path):
            kv = dict(re.findall(r"(\S+?)=(\S+)", line))
            if "phase" in kv:
                phases.append(kv)
            elif "arch" in kv and kv.get("kind") != "summary":
                per[(kv["dataset"], int(kv["ipc"]), kv["method"], kv["arch"])].append(kv)
    out = []
    for key, name in (("auroc", "AUROC"), ("accuracy", "accuracy")):
        out += ["#### Images: test %s (distilled on ConvNet-3; mean ± std over seeds)" % name, "",
                "| dataset | ipc | method | " + " | ".join(ARCHS) + " |",
                "|---|---:|---|" + "---:|" * len(ARCHS)]
        for d in sorted({k[0] for k in per}):
            for ipc in sorted({k[1] for k in per if k[0] == d}):
                for m, label in METHODS:
                    cells = []
                    for a in ARCHS:
                        v = [float(r[key]) for r in per.get((d, ipc, m, a), [])]
                        if not v:
                            cells.append("–")
                            continue
                        mu = sum(v) / len(v)
                        sd = math.sqrt(sum((x - mu) ** 2 for x in v) / len(v))
                        cells.append("%.3f ± %.3f" % (mu, sd))
                    if any(c != "–" for c in cells):
                        out.append("| %s | %d | %s | %s |" % (d, ipc, label, " | ".join(cells)))
        out.append("")
    out += ["Set-up lines (seconds on one thread):", ""]
    for p in phases:
        out.append("- " + " ".join("%s=%s" % kv for kv in p.items()))
    print("\n".join(out))


if __name__ == "__main__":
    main()
