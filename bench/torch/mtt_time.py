#!/usr/bin/env python3
# Copy of shared/tools/mtt_time.py (the PyTorch anchor), so that a GPU machine,
# where ../shared does not travel, can run it; bench/bench_cuda.sh prefers the
# shared copy when present and says when the two differ.
"""PyTorch anchor: time one MTT outer iteration (N unrolled student steps with
create_graph, matching loss, backward to synthetic data and learnable lr), the
same work a C engine must do. Functional models over one flat parameter
vector, as the official implementation's ReparamModule does.

usage: mtt_time.py {mlp,convnet} [--ipc 10] [--steps 20] [--batch-syn 0] [--iters 30]
       [--device cpu|cuda] [--threads 2] [--features 30] [--classes 2] [--channels 1]
Prints: model=.. params=.. ms_per_iter_median=.. peak_mem_mb=..
"""
import argparse, time, resource, statistics
import torch
import torch.nn.functional as F

def mlp_shapes(d, c, width=128, depth=2):
    dims = [d] + [width] * depth + [c]
    return [((dims[i + 1], dims[i]), (dims[i + 1],)) for i in range(len(dims) - 1)]

def convnet_shapes(ch, c, width=128, depth=3, hw=28):
    out, cin = [], ch
    for _ in range(depth):
        out.append(((width, cin, 3, 3), (width,), (width,), (width,)))  # conv w, b, norm gamma, beta
        cin = width; hw //= 2
    out.append(((c, width * hw * hw), (c,)))
    return out

def count(shapes):
    n = 0
    for group in shapes:
        for s in group:
            k = 1
            for v in s: k *= v
            n += k
    return n

def unflatten(flat, shapes):
    i, groups = 0, []
    for group in shapes:
        g = []
        for s in group:
            k = 1
            for v in s: k *= v
            g.append(flat[i:i + k].view(*s)); i += k
        groups.append(g)
    return groups

def forward(kind, flat, shapes, x):
    g = unflatten(flat, shapes)
    if kind == "mlp":
        for j, (w, b) in enumerate(g):
            x = F.linear(x, w, b)
            if j < len(g) - 1: x = F.relu(x)
        return x
    for w, b, gam, bet in g[:-1]:
        x = F.conv2d(x, w, b, padding=1)
        x = F.group_norm(x, x.shape[1], gam, bet)  # instance norm with affine, as ConvNet 'instancenorm'
        x = F.relu(x)
        x = F.avg_pool2d(x, 2)
    w, b = g[-1]
    return F.linear(x.flatten(1), w, b)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["mlp", "convnet"])
    ap.add_argument("--ipc", type=int, default=10)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--batch-syn", type=int, default=0)
    ap.add_argument("--iters", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--features", type=int, default=30)
    ap.add_argument("--classes", type=int, default=2)
    ap.add_argument("--channels", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev = torch.device(a.device)
    c = a.classes
    if a.model == "mlp":
        shapes = mlp_shapes(a.features, c)
        x = torch.randn(a.ipc * c, a.features, device=dev)
    else:
        shapes = convnet_shapes(a.channels, c)
        x = torch.randn(a.ipc * c, a.channels, 28, 28, device=dev)
    P = count(shapes)
    y = torch.arange(c, device=dev).repeat_interleave(a.ipc)
    x.requires_grad_(True)
    syn_lr = torch.tensor(0.01, device=dev, requires_grad=True)
    start = (torch.randn(P, device=dev) * 0.05)
    target = start + torch.randn(P, device=dev) * 0.01
    opt = torch.optim.SGD([x], lr=100.0, momentum=0.5)
    opt_lr = torch.optim.SGD([syn_lr], lr=1e-5, momentum=0.5)
    bs = a.batch_syn if a.batch_syn > 0 else x.shape[0]
    times = []
    for it in range(a.warmup + a.iters):
        if dev.type == "cuda": torch.cuda.synchronize()
        t0 = time.perf_counter()
        params = [start.clone().requires_grad_(True)]
        for n in range(a.steps):
            idx = torch.randperm(x.shape[0], device=dev)[:bs]
            out = forward(a.model, params[-1], shapes, x[idx])
            ce = F.cross_entropy(out, y[idx])
            g = torch.autograd.grad(ce, params[-1], create_graph=True)[0]
            params.append(params[-1] - syn_lr * g)
        loss = ((params[-1] - target) ** 2).sum() / ((start - target) ** 2).sum()
        opt.zero_grad(); opt_lr.zero_grad()
        loss.backward()
        opt.step(); opt_lr.step()
        if dev.type == "cuda": torch.cuda.synchronize()
        if it >= a.warmup: times.append((time.perf_counter() - t0) * 1000)
    peak = (torch.cuda.max_memory_allocated() / 2**20) if dev.type == "cuda" else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"model={a.model} params={P} ipc={a.ipc} steps={a.steps} batch_syn={bs} device={a.device} "
          f"threads={a.threads} torch={torch.__version__} ms_per_iter_median={statistics.median(times):.2f} "
          f"ms_min={min(times):.2f} peak_mem_mb={peak:.0f}")

if __name__ == "__main__":
    main()
