"""Inference throughput: the engine vs a naive loop vs a raw batched forward (sequences/s).

    .venv/bin/python benchmarks/inference.py [--threads 2] [--n-enformer 16] [--n-cnn 256] [--out t.tsv]

Models: a shrunken Enformer (dim 96, depth 2, 8,192 bp, 128-bp bins, 2 heads) and the GOPHER
CNN-baseline (2,048 bp). Modes, all fp32 on CPU:

* ``naive``: batch 1, autograd on (no inference_mode), output to numpy per sequence;
* ``raw``: batched forward under ``torch.inference_mode()``, output to numpy;
* ``engine``: ``regbench.predict.engine.predict`` (hashing, de-duplication, batching).

On CUDA also (``--precisions`` forces them on the CPU too, with CPU bf16 autocast): the engine
at batch 1/4/16 in bf16 and fp32. Prints a table with the ratio engine / raw (target >= 0.95),
as a ratio of best times and as the median of paired back-to-back repeats.

GPU checks (issue 23), printed as their own table:

* ``lstm``: the dtype the BiLSTM of a full-size ``dream_rnn`` sees and returns inside a bf16
  engine call (must be float32: ``regbench.predict.device.run_fp32``; CUDA autocast would use fp16);
* ``--enformer-memory`` (CUDA only; skipped with a message elsewhere): peak GPU memory and time of
  a full-size Enformer (random weights, 196,608 bp) forward at batch 1 and 2 in bf16 and fp32,
  and of ``grad_x_input`` (fp32) at batch 1 (``torch.cuda.max_memory_allocated``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from regbench.models import registry  # noqa: E402
from regbench.predict.engine import predict  # noqa: E402
from regbench.predict.enformer import EnformerHead  # noqa: E402


def shrunken_enformer():
    from enformer_pytorch import Enformer
    from enformer_pytorch.modeling_enformer import Attention

    torch.manual_seed(0)
    m = Enformer.from_hparams(dim=96, depth=2, heads=2, attn_dim_key=16, dim_divisible_by=16, num_downsamples=7,
                              target_length=-1, output_heads=dict(human=2, mouse=2))
    for mod in m.modules():
        if isinstance(mod, Attention):
            torch.nn.init.normal_(mod.to_out.weight, std=0.02)
    return EnformerHead(m.eval(), "human")


def onehot(n, L, seed=0):
    rng = np.random.default_rng(seed)
    return np.eye(4, dtype=np.float32)[rng.integers(0, 4, (n, L))]


def timed(fn, repeats):
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def bench_model(name, model, x, batch, device, repeats, precisions=False):
    model = model.to(device).eval()
    n = len(x)
    rows = []

    def naive():
        for i in range(n):
            model(torch.from_numpy(x[i : i + 1]).to(device)).detach().float().cpu().numpy()

    def raw():
        with torch.inference_mode():
            for i in range(0, n, batch):
                model(torch.from_numpy(x[i : i + batch]).to(device)).float().cpu().numpy()

    def engine():
        predict(model, x, batch_size=batch, device=device, precision="fp32", progress=False)

    modes = (("naive", naive), ("raw", raw), ("engine", engine))
    times = {mode: [] for mode, _ in modes}
    for mode, fn in modes:
        fn()  # warm-up
    for _ in range(repeats):  # interleaved so that load changes hit every mode alike
        for mode, fn in modes:
            t = time.perf_counter()
            fn()
            times[mode].append(time.perf_counter() - t)
    # paired ratio: raw and engine timed back to back in each repeat, median over repeats
    # (robust to other load on a shared machine, unlike a ratio of two separate minima)
    paired = float(np.median(np.array(times["raw"]) / np.array(times["engine"])))
    for mode, _ in modes:
        s = min(times[mode])
        rows.append(dict(model=name, device=str(device), precision="fp32", batch=1 if mode == "naive" else batch,
                         mode=mode, n=n, seconds=round(s, 4), seq_per_s=round(n / s, 2),
                         paired_engine_over_raw=round(paired, 3) if mode == "engine" else np.nan))
    if device.type == "cuda" or precisions:
        for b in (1, 4, 16):
            for prec in ("bf16", "fp32"):
                s = timed(lambda: predict(model, x, batch_size=b, device=device, precision=prec, progress=False),
                          repeats)
                rows.append(dict(model=name, device=str(device), precision=prec, batch=b, mode="engine_sweep", n=n,
                                 seconds=round(s, 4), seq_per_s=round(n / s, 2)))
    return rows


def lstm_check(device) -> dict:
    """dtype in/out of the BiLSTM of a full-size dream_rnn inside a bf16 engine call."""
    import regbench.studies.dream.prixfixe  # noqa: F401  (registers dream_rnn)

    m = registry.build("dream_rnn").eval()
    seen = []
    for mod in m.modules():
        if isinstance(mod, torch.nn.LSTM):
            mod.register_forward_hook(lambda _m, i, o: seen.append((str(i[0].dtype), str(o[0].dtype))))
    x = np.eye(6, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (8, m.input_length))]
    predict(m, x, batch_size=8, device=device, precision="bf16", progress=False)
    return dict(check="lstm_dtype_under_bf16", device=str(device), value=";".join(f"{a}->{b}" for a, b in seen),
                ok=all(a == b == "torch.float32" for a, b in seen) and bool(seen))


def enformer_memory(device) -> list[dict]:
    """Peak GPU memory / seconds of the full Enformer at 196,608 bp (forward bf16/fp32, gradient fp32)."""
    from enformer_pytorch import Enformer

    from regbench.predict.attribution import grad_x_input

    torch.manual_seed(0)
    m = EnformerHead(Enformer.from_hparams(target_length=896).eval(), "human").to(device)
    rows = []

    def measure(label, fn):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        t = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        rows.append(dict(check=f"enformer_196608bp_{label}", device=str(device),
                         value=f"{torch.cuda.max_memory_allocated() / 2**30:.2f} GiB peak, {time.perf_counter() - t:.2f} s",
                         ok=True))

    for b in (1, 2):
        x = onehot(b, 196_608)
        for prec in ("bf16", "fp32"):
            measure(f"forward_b{b}_{prec}", lambda: predict(m, x, batch_size=b, device=device, precision=prec,
                                                            reduce=lambda o: o[:, 447:450, 4980], progress=False))
    x = onehot(1, 196_608)
    measure("grad_x_input_b1_fp32", lambda: grad_x_input(m, x, readout=lambda o: o[:, 447:450, 4980].sum(1),
                                                          batch_size=1, device=device, precision="fp32"))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--n-enformer", type=int, default=16)
    ap.add_argument("--n-cnn", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default=None, help="also write the table as TSV")
    ap.add_argument("--precisions", action="store_true", help="bf16/fp32 engine rows on the CPU too")
    ap.add_argument("--enformer-memory", action="store_true", help="full-size Enformer memory rows (CUDA only)")
    a = ap.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    rows = []
    for dev in devices:
        rows += bench_model("enformer_shrunken_8192bp", shrunken_enformer(), onehot(a.n_enformer, 8192), 8, dev,
                            a.repeats, a.precisions)
        rows += bench_model("cnn_base_2048bp", registry.build("cnn_base", bin_size=32), onehot(a.n_cnn, 2048), 64,
                            dev, a.repeats, a.precisions)
    df = pd.DataFrame(rows)
    print(f"torch {torch.__version__} (CUDA build {torch.version.cuda}), threads {torch.get_num_threads()}, "
          f"devices {[str(d) for d in devices]}")
    print(df.to_string(index=False))
    checks = [lstm_check(d) for d in devices]
    if a.enformer_memory:
        if torch.cuda.is_available():
            checks += enformer_memory(torch.device("cuda"))
        else:
            print("--enformer-memory: skipped, CUDA is not available")
    print(pd.DataFrame(checks).to_string(index=False))
    for (model, dev), g in df[df["mode"].isin(["naive", "raw", "engine"])].groupby(["model", "device"]):
        r = g.set_index("mode").seq_per_s
        paired = g.set_index("mode").paired_engine_over_raw["engine"]
        print(f"{model} on {dev}: engine/raw = {r['engine'] / r['raw']:.3f} (best times; paired median "
              f"{paired:.3f}), engine/naive = {r['engine'] / r['naive']:.2f}")
    if a.out:
        df.to_csv(a.out, sep="\t", index=False)
    return df


if __name__ == "__main__":
    main()
