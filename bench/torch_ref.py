#!/usr/bin/python3
"""PyTorch reference of ivae's models for `npm run bench` (bench/bench.ts runs it and reads the JSON it
prints on its last line). Models: bench/torch_model.py. Threads and BLAS: bench/torch_env.py.

Throughput (default): after `--warmup` steps, consecutive Adam steps timed as one block until at least
`--steps` steps and `--min-seconds` seconds (bench/README.md, "How a throughput is timed"; bench/worker.ts times
ivae the same way); img/s = batch x steps / block seconds. Optional encode/manifold timings,
`--peak` (best sgemm on these cores), `--profile` (per-op profile of one step).
Time to a result (`--ttr-out FILE --budget S`): trains epoch after epoch until S seconds of training and
after each epoch appends {"epoch", "trainSeconds", "z", "angle"} (posterior means of all images, the
evaluation not counted in trainSeconds) as a JSON line to FILE; bench/time-to-result.ts scores them.

Threads are pinned before numpy/torch load (torch intra-op = OpenBLAS = OpenMP = --threads).
"""
import argparse
import json
import math
import sys
import time

import torch_env


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", choices=["rvae", "skip", "shift", "vae"], default=None)
    ap.add_argument("--model", choices=["rvae", "vae"], default="rvae", help="old name of --variant")
    ap.add_argument("--data", help="raw float32 file of n x size x size images in [0,1]")
    ap.add_argument("--n", type=int, default=0)
    ap.add_argument("--size", type=int, default=48)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=10, help="timed steps at least (see --min-seconds)")
    ap.add_argument("--min-seconds", type=float, default=0.0,
                    help="time steps until at least this many seconds have passed (and --steps steps)")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--latent", type=int, default=2)
    ap.add_argument("--enc", default="128,128")
    ap.add_argument("--dec", default="64,64")
    ap.add_argument("--subsample", type=int, default=0, help="reconstruction on this many random pixels per step")
    ap.add_argument("--rotation-prior", type=float, default=math.pi / 2)
    ap.add_argument("--translation-prior", type=float, default=0.1)
    ap.add_argument("--coord-features", choices=["fourier", "linear"], default="fourier",
                    help="coordinate decoder layer 0: sin Fourier features (ivae's default) or tanh (pyroVED's)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--encode-n", type=int, default=0, help="also time encoding this many images")
    ap.add_argument("--manifold", type=int, default=0, help="also time decoding a steps x steps manifold")
    ap.add_argument("--peak", action="store_true", help="also measure the best sgemm GFLOP/s on these cores")
    ap.add_argument("--peak-widths", default="64,128,256")
    ap.add_argument("--peak-budget", type=float, default=1.5, help="seconds per sgemm shape")
    ap.add_argument("--profile", action="store_true", help="per-op profile of one training step")
    ap.add_argument("--ttr-out", default="", help="time-to-result mode: JSON lines of per-epoch encodings")
    ap.add_argument("--budget", type=float, default=60.0, help="time-to-result: seconds of training")
    a = ap.parse_args()
    a.variant = a.variant or a.model
    return a


def main():
    a = parse()
    torch_env.pin_threads(a.threads)
    try:
        import numpy as np
        import torch
    except Exception as e:  # noqa: BLE001
        print(json.dumps({"ok": False, "error": f"PyTorch not importable: {e}"}))
        return
    from torch_model import Model, flops_per_image
    threads = torch_env.check_threads(torch, a.threads)
    torch.manual_seed(a.seed)
    P = a.size * a.size
    enc = [int(x) for x in a.enc.split(",")]
    dec = [int(x) for x in a.dec.split(",")]
    X = torch.from_numpy(np.fromfile(a.data, dtype=np.float32).reshape(-1, P).copy()) if a.data else torch.rand(
        max(a.n, a.batch), P)
    n = X.shape[0]
    model = Model(torch, a.variant, a.size, enc, dec, a.latent, a.rotation_prior, a.translation_prior,
                  a.coord_features)
    opt = torch.optim.Adam(model.params, lr=a.lr)
    g = torch.Generator().manual_seed(a.seed + 1)
    m = a.subsample if 0 < a.subsample < P else P

    def step(x):
        idx = torch.randperm(P, generator=g)[:m].sort().values if m < P else None
        opt.zero_grad(set_to_none=True)
        loss = model.loss(x, idx)
        loss.backward()
        opt.step()
        return float(loss)

    base = {"torch": torch.__version__, "threads": threads["torchIntraOp"], "threadCheck": threads,
            "blas": threads["blas"], "cpuCapability": threads.get("cpuCapability"), "variant": a.variant,
            "decoderHidden": dec, "pixels": m,
            "coordinateFeatures": ("fourier" if model.fourier else "linear") if a.variant != "vae" else "n/a"}
    if a.ttr_out:
        return time_to_result(a, torch, model, X, step, base)

    perm = torch.randperm(n, generator=g)
    nb = max(1, n // a.batch)
    batch = lambda i: X[perm[(i % nb) * a.batch:(i % nb) * a.batch + a.batch]]  # noqa: E731
    for i in range(a.warmup):
        step(batch(i))
    # one block of consecutive steps, at least --steps of them and --min-seconds long (the same rule as ivae's
    # side); the per-step times are kept too, but the throughput is the block's
    times, last = [], 0.0
    t_block = time.perf_counter()
    while len(times) < a.steps or time.perf_counter() - t_block < a.min_seconds:
        t0 = time.perf_counter()
        last = step(batch(a.warmup + len(times)))  # the gather counts, as the batch copy in ivae's train()
        times.append(time.perf_counter() - t0)
    block = time.perf_counter() - t_block
    med = sorted(times)[len(times) // 2]
    fl = 3 * flops_per_image(a.variant, P, enc, dec, a.latent, m)
    ips = a.batch * len(times) / block
    out = dict(base, ok=math.isfinite(last), model=a.variant, batch=a.batch, steps=len(times), stepSecondsMedian=med,
               stepSeconds=times, timedSteps=len(times), timedSeconds=block, imagesPerSecond=ips,
               imagesPerSecondMedianStep=a.batch / med, flopsPerImage=fl, gflops=fl * ips / 1e9, lastLoss=last,
               timing="block of >= %d steps and >= %g s: img/s = batch x steps / seconds" % (a.steps, a.min_seconds))
    if a.profile:
        from torch.profiler import profile, ProfilerActivity
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            step(batch(0))
        rows = [{"op": e.key, "ms": e.self_cpu_time_total / 1000.0, "calls": e.count} for e in prof.key_averages()]
        out["profile"] = sorted(rows, key=lambda r: -r["ms"])[:15]
    with torch.no_grad():
        if a.encode_n:
            src = X.repeat((a.encode_n + n - 1) // n, 1)[:a.encode_n]
            t0 = time.perf_counter()
            for s in range(0, a.encode_n, 1024):
                model.encode(src[s:s + 1024])
            out["encodeSeconds"], out["encodeN"] = time.perf_counter() - t0, a.encode_n
        if a.manifold:
            s = a.manifold
            g1 = torch.linspace(-2, 2, s)
            zz = torch.stack(torch.meshgrid(g1.flip(0), g1, indexing="ij"), -1).reshape(-1, 2)[:, [1, 0]]
            t0 = time.perf_counter()
            zero_a = torch.zeros(s * s) if model.rotation else None
            zero_t = torch.zeros(s * s, 2) if model.translation else None
            model.decode(zz, zero_a, zero_t).sigmoid()
            out["manifoldSeconds"] = time.perf_counter() - t0
        if a.peak:
            widths = [int(w) for w in a.peak_widths.split(",") if w]
            out["sgemm"] = torch_env.sgemm_peak(torch, np, a.batch * P, widths, a.peak_budget)
            out["peakMatmulGflops"] = out["sgemm"]["best"]
    print(json.dumps(out))


def time_to_result(a, torch, model, X, step, base):
    """Epochs of shuffled mini-batches until `budget` seconds of training; encodings after each epoch."""
    n = X.shape[0]
    g = torch.Generator().manual_seed(a.seed + 2)
    train_s, epoch = 0.0, 0
    with open(a.ttr_out, "w") as f:
        while train_s < a.budget:
            epoch += 1
            t0 = time.perf_counter()
            perm = torch.randperm(n, generator=g)
            last = 0.0
            for s in range(0, n, a.batch):
                last = step(X[perm[s:s + a.batch]])
                if train_s + time.perf_counter() - t0 >= a.budget:
                    break
            train_s += time.perf_counter() - t0
            with torch.no_grad():
                mean = torch.cat([model.encode(X[s:s + 1024])[0] for s in range(0, n, 1024)])
            rec = {"epoch": epoch, "trainSeconds": train_s, "loss": last, "z": mean[:, :a.latent].flatten().tolist()}
            if model.rotation:
                rec["angle"] = mean[:, a.latent].tolist()
            f.write(json.dumps(rec) + "\n")
            f.flush()
    print(json.dumps(dict(base, ok=True, mode="time-to-result", epochs=epoch, trainSeconds=train_s)))


if __name__ == "__main__":
    main()
    sys.stdout.flush()
