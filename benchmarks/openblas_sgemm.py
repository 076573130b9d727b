#!/usr/bin/env python3
"""OpenBLAS SGEMM reference for the GEMM table (RunAll runs it when python3 and NumPy are installed).

NumPy's float32 matmul calls OpenBLAS's sgemm; RunAll starts this with OPENBLAS_NUM_THREADS=1, so that it is the
same one-thread measurement as the JMH GEMM benchmark: warm-up iterations, then measured iterations of about
`seconds` each. Prints one line per shape: "MxKxN g1 g2 ..." (GFLOPS per measured iteration), and a first line
naming the library.
Usage: openblas_sgemm.py WARMUP MEASURED SECONDS MxKxN...
"""
import sys
import time

import numpy as np


def iteration(a, b, c, seconds):
    calls, start = 0, time.perf_counter()
    while True:
        np.matmul(a, b, out=c)
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls, elapsed


def main():
    warmup, measured, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    config = np.show_config(mode="dicts") if hasattr(np, "show_config") else {}
    blas = config.get("Build Dependencies", {}).get("blas", {}) if isinstance(config, dict) else {}
    print("library", blas.get("name", "unknown"), blas.get("version", ""), "numpy", np.__version__)
    rng = np.random.default_rng(1)
    for shape in sys.argv[4:]:
        m, k, n = (int(x) for x in shape.split("x"))
        a = (rng.random((m, k), dtype=np.float32) - 0.5)
        b = (rng.random((k, n), dtype=np.float32) - 0.5)
        c = np.empty((m, n), dtype=np.float32)
        for _ in range(warmup):
            iteration(a, b, c, seconds)
        gflops = []
        for _ in range(measured):
            calls, elapsed = iteration(a, b, c, seconds)
            gflops.append(2.0 * m * k * n * calls / elapsed / 1e9)
        print(shape, " ".join("%.2f" % g for g in gflops))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
