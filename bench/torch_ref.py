#!/usr/bin/python3
"""PyTorch reference of ivae's rVAE and VAE for `npm run bench` (bench/bench.ts runs it and reads the
JSON it prints on its last line).

Same architecture, initial scale, loss and optimiser as src/models (defaults of the models engineer):
  encoder  P -> 128 -> 128 (tanh) -> linear head of 2k (mean, log-variance), k = d (+1 angle, +2 shift)
  rVAE decoder: layer 0 folded per image, h0 = tanh(c_p A_b + o_b) with A_b = R(gamma_b) W_c and
           o_b = z_b W_z + b_0 - t_b A_b, then tanh(h W_l + b_l) for the hidden layers, logit = h w_out + b_out
  VAE decoder:  d -> 128 -> 128 (tanh) -> P logits
  loss: sum over pixels of BCE-with-logits + KL_z + KL_angle(s = pi/2) + KL_shift(s = 0.1), batch mean
  Adam(lr 1e-3), one reparameterised sample per image.
The decoder is written the way a PyTorch user would write it efficiently: one baddbmm for layer 0 and
[B*P, h] x [h, h] matmuls for the hidden layers, so this is a fair, strong baseline.
"""
import argparse
import json
import math
import os
import sys
import time


def flops_per_image(model, P, enc, dec, d, extra):
    """Forward multiply-adds x 2 of one image (tanh and elementwise ops not counted); bench.ts uses the
    same formula (bench/flops.ts)."""
    f = 0
    fan = P
    for w in enc:
        f += 2 * fan * w
        fan = w
    f += 2 * fan * 2 * (d + extra)
    if model == "rvae":
        h = dec[0]
        f += 2 * d * h + P * (2 * 2 * h + 2 * h)  # o_b, then layer 0 per pixel (c A + o)
        f += P * 2 * h * h * (len(dec) - 1)  # hidden layers
        f += P * 2 * h  # output
    else:
        fan = d
        for w in dec:
            f += 2 * fan * w
            fan = w
        f += 2 * fan * P
    return f


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["rvae", "vae"], default="rvae")
    ap.add_argument("--data", help="raw float32 file of n x size x size images in [0,1]")
    ap.add_argument("--n", type=int, default=0)
    ap.add_argument("--size", type=int, default=48)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--latent", type=int, default=2)
    ap.add_argument("--enc", default="128,128")
    ap.add_argument("--dec", default="64,64")
    ap.add_argument("--encode-n", type=int, default=0, help="also time encoding this many images")
    ap.add_argument("--manifold", type=int, default=0, help="also time decoding a steps x steps manifold")
    ap.add_argument("--peak", action="store_true", help="also measure fp32 matmul GFLOP/s")
    ap.add_argument("--profile", action="store_true", help="per-op profile of one training step")
    a = ap.parse_args()

    try:
        import numpy as np
        import torch
    except Exception as e:  # noqa: BLE001
        print(json.dumps({"ok": False, "error": f"PyTorch not importable: {e}"}))
        return
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    P = a.size * a.size
    enc = [int(x) for x in a.enc.split(",")]
    dec = [int(x) for x in a.dec.split(",")]
    d = a.latent
    extra = 3 if a.model == "rvae" else 0
    k = d + extra

    if a.data:
        X = torch.from_numpy(np.fromfile(a.data, dtype=np.float32).reshape(-1, P).copy())
    else:
        X = torch.rand(max(a.n, a.batch), P)
    n = X.shape[0]

    def glorot(fi, fo):
        lim = math.sqrt(6 / (fi + fo))
        return torch.nn.Parameter(torch.empty(fi, fo).uniform_(-lim, lim))

    def zeros(*s):
        return torch.nn.Parameter(torch.zeros(*s))

    params = []

    def reg(p):
        params.append(p)
        return p

    encW, fan = [], P
    for w in enc:
        encW.append((reg(glorot(fan, w)), reg(zeros(w))))
        fan = w
    headW, headb = reg(glorot(fan, 2 * k)), reg(zeros(2 * k))

    ys, xs = torch.meshgrid(torch.arange(a.size, dtype=torch.float32), torch.arange(a.size, dtype=torch.float32), indexing="ij")
    coords = torch.stack([-1 + 2 * xs / (a.size - 1), 1 - 2 * ys / (a.size - 1)], -1).reshape(P, 2)

    if a.model == "rvae":
        h = dec[0]
        lim = math.sqrt(6 / (2 + d + h))
        Wc = reg(torch.nn.Parameter(torch.empty(2, h).uniform_(-lim, lim)))
        Wz = reg(torch.nn.Parameter(torch.empty(d, h).uniform_(-lim, lim)))
        b0 = reg(zeros(h))
        hidden = [(reg(glorot(h, h)), reg(zeros(h))) for _ in dec[1:]]
        wOut, bOut = reg(glorot(h, 1)), reg(zeros(1))
    else:
        decW, fan = [], d
        for w in dec:
            decW.append((reg(glorot(fan, w)), reg(zeros(w))))
            fan = w
        outW, outb = reg(glorot(fan, P)), reg(zeros(P))

    def encode(x):
        hh = x
        for W, b in encW:
            hh = torch.tanh(torch.addmm(b, hh, W))
        head = torch.addmm(headb, hh, headW)
        return head[:, :k], head[:, k:]

    def decode(z, angle, shift):
        B = z.shape[0]
        if a.model != "rvae":
            hh = z
            for W, b in decW:
                hh = torch.tanh(torch.addmm(b, hh, W))
            return torch.addmm(outb, hh, outW)
        cos, sin = torch.cos(angle)[:, None], torch.sin(angle)[:, None]
        row0 = cos * Wc[0] - sin * Wc[1]
        row1 = sin * Wc[0] + cos * Wc[1]
        A = torch.stack([row0, row1], 1)  # [B,2,h]
        o = torch.addmm(b0, z, Wz) - torch.bmm(shift[:, None, :], A)[:, 0]
        hh = torch.tanh(torch.baddbmm(o[:, None, :], coords.expand(B, P, 2), A)).reshape(B * P, h)
        for W, b in hidden:
            hh = torch.tanh(torch.addmm(b, hh, W))
        return torch.addmm(bOut, hh, wOut).reshape(B, P)

    def kl_normal(mean, logvar, s):
        return (math.log(s) - 0.5 * logvar + (logvar.exp() + mean ** 2) / (2 * s * s) - 0.5).sum(1)

    def loss_fn(x):
        mean, logvar = encode(x)
        eps = torch.randn_like(mean)
        smp = mean + torch.exp(0.5 * logvar) * eps
        z = smp[:, :d]
        if a.model == "rvae":
            logits = decode(z, smp[:, d], smp[:, d + 1:d + 3])
        else:
            logits = decode(z, None, None)
        rec = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1).mean()
        klz = 0.5 * (mean[:, :d] ** 2 + logvar[:, :d].exp() - 1 - logvar[:, :d]).sum(1).mean()
        loss = rec + klz
        if a.model == "rvae":
            loss = loss + kl_normal(mean[:, d:d + 1], logvar[:, d:d + 1], math.pi / 2).mean()
            loss = loss + kl_normal(mean[:, d + 1:], logvar[:, d + 1:], 0.1).mean()
        return loss

    opt = torch.optim.Adam(params, lr=1e-3)
    g = torch.Generator().manual_seed(1)
    perm = torch.randperm(n, generator=g)
    nb = max(1, n // a.batch)

    def step(i):
        idx = perm[(i % nb) * a.batch:(i % nb) * a.batch + a.batch]
        x = X[idx]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(x)
        loss.backward()
        opt.step()
        return float(loss)

    for i in range(a.warmup):
        step(i)
    times = []
    last = 0.0
    for i in range(a.steps):
        t0 = time.perf_counter()
        last = step(a.warmup + i)
        times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    fl = 3 * flops_per_image(a.model, P, enc, dec, d, extra)
    out = {
        "ok": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "model": a.model,
        "batch": a.batch, "steps": a.steps, "stepSecondsMedian": med, "stepSeconds": times,
        "imagesPerSecond": a.batch / med, "flopsPerImage": fl, "gflops": fl * a.batch / med / 1e9, "lastLoss": last,
        "blas": "",
    }
    try:
        cfg = torch.__config__.show()
        import re
        m = re.search(r"BLAS_INFO=([^,\s]+)", cfg)
        cap = re.search(r"CPU capability usage: (\S+)", cfg)
        out["blas"] = (m.group(1) if m else "?") + " (libblas.so.3: " + os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3") + ")"
        out["cpuCapability"] = cap.group(1) if cap else "?"
    except Exception:  # noqa: BLE001
        pass

    if a.profile:
        from torch.profiler import profile, ProfilerActivity
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            step(0)
        rows = []
        for e in prof.key_averages():
            rows.append({"op": e.key, "ms": e.self_cpu_time_total / 1000.0, "calls": e.count})
        rows.sort(key=lambda r: -r["ms"])
        out["profile"] = rows[:15]

    with torch.no_grad():
        if a.encode_n:
            m = a.encode_n
            src = X.repeat((m + n - 1) // n, 1)[:m]
            t0 = time.perf_counter()
            for s in range(0, m, 1024):
                encode(src[s:s + 1024])
            out["encodeSeconds"] = time.perf_counter() - t0
            out["encodeN"] = m
        if a.manifold:
            s = a.manifold
            g1 = torch.linspace(-2, 2, s)
            zz = torch.stack(torch.meshgrid(g1.flip(0), g1, indexing="ij"), -1).reshape(-1, 2)[:, [1, 0]]
            t0 = time.perf_counter()
            if a.model == "rvae":
                decode(zz, torch.zeros(s * s), torch.zeros(s * s, 2)).sigmoid()
            else:
                decode(zz, None, None).sigmoid()
            out["manifoldSeconds"] = time.perf_counter() - t0
        if a.peak:
            best = 0.0
            N = 2048
            A_ = torch.rand(N, N)
            B_ = torch.rand(N, N)
            torch.mm(A_, B_)
            for _ in range(5):
                t0 = time.perf_counter()
                torch.mm(A_, B_)
                best = max(best, 2 * N ** 3 / (time.perf_counter() - t0) / 1e9)
            out["peakMatmulGflops"] = best
    print(json.dumps(out))


if __name__ == "__main__":
    main()
    sys.stdout.flush()
