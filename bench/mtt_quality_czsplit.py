#!/usr/bin/python3
"""Runs the PyTorch anchor ../shared/tools/mtt_quality.py on the cz-split-v1
rows (the split Condensa uses) instead of sklearn's train_test_split, with the
same median imputation and standardisation fitted on the training rows, so
both engines are compared on exactly the same rows.

Two settings the anchor hard-codes can be set here, by substituting the
literal source lines (each substitution is asserted to apply, so a changed
anchor fails loudly instead of silently running other settings):
  --lr-init X        the learnable rate's start (anchor: 0.01)
  --expert-epochs M  target = start + M epochs (anchor: 2), starts in
                     [0, min(10, epochs + 1 - M))
  --class-weights 1  the student's loss weighted by the real class prevalence
                     (torch's weighted cross-entropy: sum w_y l / sum w_y)
usage: mtt_quality_czsplit.py TOOLS_DIR CSV SPLIT [--lr-init X] [--expert-epochs M]
       [--class-weights 0|1]
       [mtt_quality.py options]"""
import csv, os, sys, types

import numpy as np
import torch

tools, path, split_path = sys.argv[1:4]
rest = sys.argv[4:]


def take(flag):
    if flag in rest:
        k = rest.index(flag)
        value = rest[k + 1]
        del rest[k:k + 2]
        return value
    return None


lr_init, expert_epochs = take("--lr-init"), take("--expert-epochs")
class_weights = take("--class-weights")
src_path = os.path.join(tools, "mtt_quality.py")
src = open(src_path).read()


def substitute(old, new):
    global src
    assert src.count(old) == 1, f"{src_path}: expected one '{old}'"
    src = src.replace(old, new)


if lr_init is not None:
    substitute("lr = torch.tensor(0.01, requires_grad=True)",
               f"lr = torch.tensor({float(lr_init)!r}, requires_grad=True)")
if expert_epochs is not None:
    m = int(expert_epochs)
    substitute("randrange(min(10, len(tr) - 3))", f"randrange(min(10, len(tr) - {m + 1}))")
    substitute("start, target = tr[t], tr[t + 2]", f"start, target = tr[t], tr[t + {m}]")
if class_weights not in (None, "0"):
    substitute('cross_entropy(mt.forward("mlp", p, shapes, X), ys)',
               'cross_entropy(mt.forward("mlp", p, shapes, X), ys, '
               'weight=torch.bincount(ytr).float() / len(ytr))')

mq = types.ModuleType("mq")
mq.__file__ = src_path
sys.argv = [src_path, path] + rest
exec(compile(src, src_path, "exec"), mq.__dict__)


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
