#!/usr/bin/python3
"""Runs the PyTorch anchor ../shared/tools/mtt_quality.py unchanged except for
its data split: the rows come from the cz-split-v1 split file (the one
Condensa uses) instead of sklearn's train_test_split, with the same median
imputation and standardisation fitted on the training rows. So both engines
are compared on exactly the same rows.
usage: mtt_quality_czsplit.py TOOLS_DIR CSV SPLIT [mtt_quality.py options]"""
import csv, importlib.util, os, sys

import numpy as np
import torch

tools, path, split_path = sys.argv[1:4]
spec = importlib.util.spec_from_file_location("mq", os.path.join(tools, "mtt_quality.py"))
mq = importlib.util.module_from_spec(spec)
sys.argv = [sys.argv[0], path] + sys.argv[4:]
spec.loader.exec_module(mq)


def load_czsplit(p, seed=0):
    rows = list(csv.reader(open(p, newline="")))
    data = rows[1:]
    X = np.array([[float(v) if v != "" else np.nan for v in r[:-1]] for r in data])
    y = np.array([int(float(r[-1])) for r in data])
    part = np.array([w.strip() for w in open(split_path).read().split()[1:]])
    assert len(part) == len(y), f"{split_path}: {len(part)} rows, csv has {len(y)}"
    tr, va, te = (part == "train"), (part == "val"), (part == "test")
    med = np.nanmedian(X[tr], 0)
    X = np.where(np.isnan(X), med, X)
    mu, sd = X[tr].mean(0), X[tr].std(0) + 1e-8
    f = lambda A: torch.tensor((A - mu) / sd, dtype=torch.float32)
    return f(X[tr]), torch.tensor(y[tr]), f(X[va]), torch.tensor(y[va]), f(X[te]), torch.tensor(y[te])


mq.load = load_czsplit
mq.main()
