"""Thread pinning, BLAS report and sgemm peak of the PyTorch reference (issue 15: a fair baseline).

`pin_threads` must run before numpy or torch is imported: OpenBLAS and OpenMP read their thread counts
from the environment when they load. Then `check_threads` sets torch's intra-op threads, caps every BLAS
and OpenMP pool with threadpoolctl (Debian python3-threadpoolctl) and reports what each one really uses.
"""
import os
import re
import time

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
LIBBLAS = "/usr/lib/x86_64-linux-gnu/libblas.so.3"


def pin_threads(n):
    """Sets every BLAS/OpenMP thread variable to n (before numpy/torch load)."""
    for k in THREAD_VARS:
        os.environ[k] = str(n)


def _loaded_libraries(pattern=r"blas|lapack|mkl|libgomp|libomp\.|libiomp"):
    """Shared libraries of this process whose file name matches (from /proc/self/maps)."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and re.search(pattern, os.path.basename(parts[5]), re.I):
                    libs.add(parts[5])
    except OSError:
        pass
    return sorted(libs)


def check_threads(torch, n):
    """Pins torch/BLAS/OpenMP to n threads; returns what each reports, the BLAS in use and ok = all equal n."""
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(1)  # eager CPU ops do not overlap; no second pool
    except RuntimeError:
        pass
    torch.mm(torch.rand(64, 64), torch.rand(64, 64))  # make sure the BLAS is loaded before looking
    rep = {
        "requested": n,
        "torchIntraOp": torch.get_num_threads(),
        "env": {k: os.environ.get(k) for k in THREAD_VARS + ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
        "libblas.so.3": os.path.realpath(LIBBLAS) if os.path.exists(LIBBLAS) else None,
        "loadedLibraries": _loaded_libraries(),
        "pools": [],
    }
    try:
        cfg = torch.__config__.show()
        m = re.search(r"BLAS_INFO=([^,\s]+)", cfg)
        cap = re.search(r"CPU capability usage: (\S+)", cfg)
        rep["torchBlasInfo"] = m.group(1) if m else "?"
        rep["cpuCapability"] = cap.group(1) if cap else "?"
    except Exception:  # noqa: BLE001
        pass
    try:
        import threadpoolctl
        threadpoolctl.threadpool_limits(limits=n)
        for p in threadpoolctl.threadpool_info():
            rep["pools"].append({k: p.get(k) for k in ("user_api", "internal_api", "filepath", "version",
                                                        "architecture", "threading_layer", "num_threads")})
        rep["threadpoolctl"] = threadpoolctl.__version__
    except Exception as e:  # noqa: BLE001
        rep["threadpoolctl"] = f"unavailable ({e}); install python3-threadpoolctl (scripts/setup.sh --bench)"
    blas = [p for p in rep["pools"] if p["user_api"] == "blas"]
    libs = " ".join(rep["loadedLibraries"]) + " " + str(rep["libblas.so.3"])
    rep["blas"] = (f"{blas[0]['internal_api']} {blas[0]['version']} ({blas[0]['architecture']}, "
                   f"{blas[0]['threading_layer']})") if blas else (
        "OpenBLAS (from /proc/self/maps)" if "openblas" in libs else
        "netlib reference BLAS (unoptimised!)" if "/blas/libblas" in libs else "unknown")
    rep["reference"] = "openblas" not in rep["blas"].lower() and "mkl" not in rep["blas"].lower()
    counts = [rep["torchIntraOp"]] + [p["num_threads"] for p in rep["pools"]]
    rep["ok"] = all(c == n for c in counts) and bool(blas)
    return rep


def _best_gflops(fn, flops, min_reps=3, budget_s=1.5):
    fn()  # warm-up (page faults, BLAS buffers)
    best, reps, t_end = 0.0, 0, time.perf_counter() + budget_s
    while reps < min_reps or time.perf_counter() < t_end:
        t0 = time.perf_counter()
        fn()
        best = max(best, flops / (time.perf_counter() - t0) / 1e9)
        reps += 1
    return best


def sgemm_peak(torch, np, rows, widths, budget_s=1.5, square=2048):
    """Best fp32 matmul GFLOP/s: a large square through torch.mm and numpy.dot, and the training step's own
    shapes: [rows, h] x [h, h] (forward/input gradient) and [h, rows] x [rows, h] (weight gradient)."""
    out = []
    a, b = torch.rand(square, square), torch.rand(square, square)
    c = torch.empty(square, square)
    out.append({"op": "torch.mm", "shape": f"[{square},{square}]x[{square},{square}]",
                "gflops": _best_gflops(lambda: torch.mm(a, b, out=c), 2 * square ** 3, budget_s=budget_s)})
    an, bn, cn = a.numpy(), b.numpy(), c.numpy()
    out.append({"op": "numpy.dot", "shape": f"[{square},{square}]x[{square},{square}]",
                "gflops": _best_gflops(lambda: np.dot(an, bn, out=cn), 2 * square ** 3, budget_s=budget_s)})
    del a, b, c, an, bn, cn
    for h in widths:
        x, w = torch.rand(rows, h), torch.rand(h, h)
        y = torch.empty(rows, h)
        out.append({"op": "torch.mm", "shape": f"[{rows},{h}]x[{h},{h}]",
                    "gflops": _best_gflops(lambda: torch.mm(x, w, out=y), 2 * rows * h * h, budget_s=budget_s)})
        g = torch.empty(h, h)
        out.append({"op": "torch.mm", "shape": f"[{h},{rows}]x[{rows},{h}]",
                    "gflops": _best_gflops(lambda: torch.mm(x.t(), y, out=g), 2 * rows * h * h, budget_s=budget_s)})
        del x, w, y, g
    return {"results": out, "best": max(r["gflops"] for r in out)}
