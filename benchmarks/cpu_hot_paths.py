"""Two hot paths of the accessibility study on the CPU, each against the way it was done before.

    .venv/bin/python benchmarks/cpu_hot_paths.py [--threads 1] [--repeats 5]

* ``rows``: a training mini-batch read from the HDF5 dataset (``datasets._rows``): scattered rows
  read as one slice per contiguous run, against h5py's point selection ``ds[sorted_idx]``. The
  file has the demo's layout (uint8 codes chunked 16 rows, float16 coverage chunked 1 row, gzip).
* ``conv``: a Basenji-v2 forward (the demo's widths, 1,024 bp, batch 256) with ``SameConv1d``
  padding symmetric cases inside the convolution (``padding=total // 2``), against ``F.pad`` then
  an unpadded convolution. The two ways run one after the other, so the ratio varies between
  runs (1.06-1.55 measured).

Prints seconds per call for both ways, the ratio (before / now) and whether the outputs are
identical (they must be: both changes are pure speed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from regbench.models.gopher import BasenjiV2, SameConv1d  # noqa: E402
from regbench.studies.accessibility.datasets import _rows  # noqa: E402


def best_of(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def bench_rows(repeats: int) -> dict:
    rng = np.random.default_rng(0)
    n, width = 1536, 1536
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "windows.h5"
        with h5py.File(path, "w") as h5:
            h5.create_dataset("codes", data=rng.integers(0, 4, (n, width), dtype=np.uint8), chunks=(16, width), compression="gzip")
            h5.create_dataset("y", data=rng.random((n, width, 4)).astype(np.float16), chunks=(1, width, 4), compression="gzip")
        batches = [np.sort(rng.choice(n, 32, replace=False)) for _ in range(8)]
        with h5py.File(path, "r") as h5:
            ds = [h5["codes"], h5["y"]]
            before = best_of(lambda: [d[b] for d in ds for b in batches], repeats) / len(batches)
            now = best_of(lambda: [_rows(d, b) for d in ds for b in batches], repeats) / len(batches)
            same = all(np.array_equal(d[b], _rows(d, b)) for d in ds for b in batches)
    return {"path": "rows", "before_s": before, "now_s": now, "identical": same}


def bench_conv(repeats: int) -> dict:
    torch.manual_seed(0)
    model = BasenjiV2(input_length=1024, n_tracks=4, bin_size=32, filters_1=32, filters_2=64, n_blocks=4).eval()
    x = F.one_hot(torch.randint(0, 4, (256, 1024)), 4).float()

    def run():
        with torch.inference_mode():
            return model(x)

    now = best_of(run, repeats)
    y_now = run()
    convs = [m for m in model.modules() if isinstance(m, SameConv1d)]
    for m in convs:  # the way before: explicit Keras padding, convolution without padding
        m.forward = (lambda conv: lambda z: F.conv1d(F.pad(z, conv._pad), conv.weight, conv.bias, 1, 0, conv.dilation))(m)
    before = best_of(run, repeats)
    y_before = run()
    return {"path": "conv", "before_s": before, "now_s": now, "identical": bool(torch.equal(y_now, y_before))}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f"{'path':<6} {'before_s':>10} {'now_s':>10} {'before/now':>11}  identical")
    for r in (bench_rows(args.repeats), bench_conv(args.repeats)):
        print(f"{r['path']:<6} {r['before_s']:>10.5f} {r['now_s']:>10.5f} {r['before_s'] / r['now_s']:>11.2f}  {r['identical']}")


if __name__ == "__main__":
    main()
