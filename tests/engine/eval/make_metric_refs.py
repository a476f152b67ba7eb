#!/usr/bin/python3
"""Prints the scikit-learn reference values pinned in test_metrics.c.

Run: /usr/bin/python3 tests/engine/eval/make_metric_refs.py   (Debian's
python3-sklearn 1.2.1, numpy). Inputs are drawn from numpy's default_rng with
fixed seeds and rounded to 2 decimals, so scores tie (the last
column is 1 minus the others, so rows sum to 1), then stored as float32
(the C side's cz_real) and printed with 9 significant digits, which round-trip
float32 exactly; the metrics are computed on those float32 values."""
import numpy as np
from sklearn.metrics import (accuracy_score, average_precision_score,
                             balanced_accuracy_score, roc_auc_score)
from sklearn.preprocessing import label_binarize


def c_float(v):
    """A C float literal that is exactly this float32 value."""
    text = f"{float(v):.9g}"
    return text + ("f" if ("." in text or "e" in text) else ".0f")


def case(name, n, k, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + 1.2 * np.eye(k)[y]
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    p = np.round(p, 2)
    p[:, -1] = np.round(1.0 - p[:, :-1].sum(1), 2)  # rows still sum to 1
    p = p.astype(np.float32)
    pd = p.astype(np.float64)
    pred = pd.argmax(1)
    acc = accuracy_score(y, pred)
    bal = balanced_accuracy_score(y, pred)
    if k == 2:
        auroc = roc_auc_score(y, pd[:, 1])
        auprc = average_precision_score(y, pd[:, 1])
    else:
        auroc = roc_auc_score(y, pd, multi_class="ovr", average="macro")
        auprc = average_precision_score(label_binarize(y, classes=list(range(k))), pd,
                                        average="macro")
    print(f"/* {name}: n={n}, k={k}, seed={seed} */")
    print(f"static const int32_t {name}_y[{n}] = {{{', '.join(str(v) for v in y)}}};")
    print(f"static const cz_real {name}_p[{n * k}] = {{")
    vals = [c_float(v) for v in p.ravel()]
    for i in range(0, len(vals), 8):
        print("    " + ", ".join(vals[i:i + 8]) + ",")
    print("};")
    print(f"static const double {name}_ref[4] = {{{acc!r}, {bal!r}, {auroc!r}, {auprc!r}}};")


case("binary", 60, 2, 1)
case("three", 45, 3, 2)
case("four", 80, 4, 3)
