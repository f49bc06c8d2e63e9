"""Peak memory of the synthetic_loci steps at size n and 4n (issue 15): every step whose input grows
with the data must stream it, so its peak RSS is set by the chunk/batch and the model, not by n.

    python benchmarks/memory_synthetic_loci.py [--steps dataset,predict] [--scale 1.0]

``STEPS = [(name, fn, n)]``: ``fn(n)`` generates inputs of size ``n`` in a temporary directory and runs
the step's library function in the current process (a harness measures peak RSS in child
processes at ``n`` and ``4n``; this file's ``__main__`` does so with ``resource.getrusage`` of a
child per measurement and prints one row per step and last ``max_ratio=<float>``).

Steps (size unit): ``dataset`` (payloads; 20-kb payloads into the 26,880-bp paper sequence),
``predict`` (payloads; 2 windows each, a tiny Enformer, chunks of 256 windows), ``finetune``
(payloads; one epoch of 2 steps), ``retained`` (held-out regions; 64 per chunk, 48 tracks),
``metrics`` (payloads; 32 windows x 10 DHSs x 2 tracks each), ``cage_dataset`` (CAGE windows; 5
bigWig tracks, 256 windows per chunk), ``cage_train`` (CAGE windows in the dataset; 2 steps).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SEQ_LENGTH, WINDOW, REGION = 26_880, 2_048, {"chrom": "chr3", "start": 40_000, "end": 60_000}
CLASS_MAP = {"WT": "reference", "deletion": "deletion", "inversion": "inversion"}
TRACKS = {"escj7": "DNASE:129 ES-CJ7", "e14": "DNASE:129 ES-E14"}
HEAD = {"key_size": 8, "value_size": 8, "num_heads": 1, "dropout": 0.1}


def _rng(n):
    return np.random.default_rng(1000 + n)


def _seq(rng, n):
    return "".join(np.array(list("ACGT"))[rng.integers(0, 4, n)])


def _genome(d: Path, rng, sizes=None) -> Path:
    sizes = sizes or {"chr3": 100_000, "chr1": 300_000}
    fa = d / "mm10.fa"
    with open(fa, "w") as fh:
        for c, n in sizes.items():
            s = _seq(rng, n)
            fh.write(f">{c}\n" + "\n".join(s[i : i + 60] for i in range(0, n, 60)) + "\n")
    return fa


def _user_files(d: Path, n: int, rng, payload_bp: int = 20_000):
    """Table S4 / payload FASTA / DHS BED of n payloads in the authors' layouts (written streaming;
    each payload = a random 1-kb block tiled, so that large n are cheap to write)."""
    block = _seq(rng, 1000)
    with open(d / "s4.tsv", "w") as t, open(d / "p.fa", "w") as f, open(d / "dhs.bed", "w") as b:
        t.write("MenDel.Name\tgroups\tfoldchange\tactivity\n")
        for i in range(n):
            name = f"Sox2LCR~P{i}"
            g = "WT" if i == 0 else ("deletion" if i % 2 else "inversion")
            for _ in range(2):
                t.write(f"{name}\t{g}\t1.0\t{rng.random():.4f}\n")
            f.write(f">{name.replace('~', '_')}\n{(block * (payload_bp // 1000 + 1))[i % 997 : i % 997 + payload_bp]}\n")
            for j in range(10):
                b.write(f"{name.replace('~', '_')}\t{1000 + j * 1800}\t{1300 + j * 1800}\tDHS{j + 1}\n")
    return d / "s4.tsv", d / "p.fa", d / "dhs.bed"


def _dataset(d: Path, n: int, rng, windows=None, payload_bp: int = 20_000):
    from regbench.studies.synthetic_loci.payloads import run_build_dataset

    fa = _genome(d, rng)
    s4, pf, bed = _user_files(d, n, rng, payload_bp)
    sets = windows or {"train": {"n_windows": 2, "seed": 1}, "validation": {"n_windows": 1, "seed": 2}, "predict": {"n_windows": 2, "seed": 3}}
    run_build_dataset(fa, s4, pf, bed, d / "dataset", REGION, SEQ_LENGTH, WINDOW, CLASS_MAP, 2, 5, sets)
    return fa, d / "dataset"


def _enformer(d: Path, n_mouse: int = 2) -> tuple[Path, Path]:
    import torch
    from enformer_pytorch import Enformer

    torch.manual_seed(0)
    enf = Enformer.from_hparams(dim=24, depth=1, heads=2, attn_dim_key=8, dim_divisible_by=4, num_downsamples=7,
                                target_length=-1, output_heads=dict(human=2, mouse=n_mouse))
    enf.save_pretrained(d / "enformer", safe_serialization=False)
    desc = list(TRACKS.values()) + [f"CHIP:t{i}" if i % 2 else f"CAGE:t{i}" for i in range(n_mouse - 2)]
    pd.DataFrame({"index": range(n_mouse), "genome": 1, "identifier": [f"t{i}" for i in range(n_mouse)], "file": "x", "clip": 32,
                  "scale": 2, "sum_stat": "mean", "description": desc}).to_csv(d / "targets_mouse.txt", sep="\t", index=False)
    return d / "enformer", d / "targets_mouse.txt"


def step_dataset(n: int) -> None:
    """n payloads of 100 kb: held in memory (FASTA records + engineered sequences as str) they would
    be ~127 kB each, 51 MB at n = 400 and 203 MB at 4n over a ~100 MB interpreter."""
    with tempfile.TemporaryDirectory() as t:
        _dataset(Path(t), n, _rng(n), payload_bp=100_000)


def step_predict(n: int) -> None:
    """n payloads (26,880 bp), 2 windows each: their float32 one-hot (430 kB each, the former
    implementation's) would be 69 MB at n = 160 and 275 MB at 4n over ~450 MB of torch."""
    import torch

    from regbench.studies.synthetic_loci.predict import run_predict

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as t:
        d = Path(t)
        _, ds = _dataset(d, n, _rng(n))
        enf, targets = _enformer(d)
        run_predict(str(enf), ds, targets, TRACKS, WINDOW, d / "w.tsv", d / "p.tsv", d / "z.npz", shifts=1, batch_size=16, use_tf_gamma=False,
                    precision="fp32")


def step_finetune(n: int) -> None:
    """n payloads: float32 one-hot of all (former implementation) 43 MB at n = 100, 172 MB at 4n;
    now uint8 bytes (27 kB each) one-hot encoded per item."""
    import torch

    from regbench.studies.synthetic_loci.finetune import run_finetune

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as t:
        d = Path(t)
        _, ds = _dataset(d, n, _rng(n))
        enf, _ = _enformer(d)
        run_finetune(str(enf), ds, HEAD, "authors", d / "ft", WINDOW, {"max_epochs": 1, "steps_per_epoch": 2, "batch_size": 2, "lr": 1e-4},
                     use_tf_gamma=False, precision="fp32")


def _finetuned(d: Path, enf: Path) -> Path:
    import torch

    from regbench.studies.synthetic_loci.heads import load_base
    from regbench.studies.synthetic_loci.heads import build_finetune

    m = build_finetune(load_base(str(enf), False, WINDOW), WINDOW // 128, **{k: HEAD[k] for k in ("key_size", "value_size", "num_heads")})
    (d / "ft").mkdir()
    torch.save(m.state_dict(), d / "ft" / "model.pt")
    return d / "ft"


def _bigwig(path: Path, sizes: dict[str, int], rng, step: int = 50) -> None:
    from regbench.genome.tracks import write_bigwig_arrays

    write_bigwig_arrays(path, sizes, {c: np.repeat(rng.gamma(0.5, 2.0, n // step + 1), step)[:n] for c, n in sizes.items()}, decimals=2)


def step_retained(n: int) -> None:
    """n held-out regions x 48 tracks: rows are appended to the output per chunk of 64 regions and
    the per-track r go to a memory map; what grows in memory is one chunk (here: the per-region
    data is small, so this step checks that nothing is kept per region beyond it)."""
    import torch

    from regbench.studies.synthetic_loci.retained import run_retained

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as t:
        d = Path(t)
        rng = _rng(n)
        sizes = {"chr1": 300_000}
        fa = _genome(d, rng, sizes)
        enf, targets = _enformer(d, n_mouse=48)
        ft = _finetuned(d, enf)
        _bigwig(d / "obs.bw", sizes, rng)
        starts = rng.integers(0, 300_000 - 4096, n)
        pd.DataFrame({"c": "chr1", "s": starts, "e": starts + 4096, "f": "test"}).to_csv(d / "seq.bed", sep="\t", header=False, index=False)
        run_retained(str(enf), ft, HEAD, targets, fa, d / "seq.bed", WINDOW, d / "r.tsv", finetune_window=WINDOW, max_regions=10**6,
                     observed={TRACKS["escj7"]: str(d / "obs.bw")}, shifts=1, batch_size=16, use_tf_gamma=False, fold="test", precision="fp32")


def step_metrics(n: int) -> None:
    """n payloads x 32 windows x 10 DHSs x 2 tracks peak rows for 2 models (~64 kB per payload and
    model in pandas): 51 MB at n = 400, 205 MB at 4n if read whole; read in chunks of 200k rows."""
    from regbench.studies.synthetic_loci.evaluate import run_metrics

    with tempfile.TemporaryDirectory() as t:
        d = Path(t)
        rng = _rng(n)
        names = [f"P~{i}" for i in range(n)]
        pd.DataFrame({"name": names, "record": names, "group": "deletion", "class": ["reference"] + ["deletion"] * (n - 1),
                      "activity": rng.random(n), "n_clones": 2, "payload_length": 40_000, "offset": 0, "n_dhs": 10, "dropped": "",
                      "fold": np.arange(n) % 4}).to_csv(d / "payloads.tsv", sep="\t", index=False)
        wt, pt = [], []
        for model in ("baseline", "H/authors"):
            m = d / "predictions" / model
            m.mkdir(parents=True)
            with open(m / "windows.tsv", "w") as fw, open(m / "peaks.tsv", "w") as fp:
                fw.write("name\twindow\toffset\tpredicted\tpeaksum_escj7\tpeaksum_e14\tbinsum_escj7\tbinsum_e14\n")
                fp.write("name\twindow\toffset\tlabel\ttrack\tpeak\n")
                for name in names:
                    v = rng.random((32, 10, 2))
                    for w in range(32):
                        fw.write(f"{name}\t{w}\t{w}\t{rng.random() if model != 'baseline' else ''}\t{v[w, :, 0].sum()}\t{v[w, :, 1].sum()}\t1.0\t2.0\n")
                        fp.writelines(f"{name}\t{w}\t{w}\tDHS{j}\t{k}\t{v[w, j, i]}\n" for j in range(10) for i, k in enumerate(TRACKS))
            wt.append(m / "windows.tsv")
            pt.append(m / "peaks.tsv")
        out = {k: d / f"{k}.tsv" for k in ("payload_predictions", "activity", "accessibility", "dhs", "folds", "retained", "rna", "rna_payloads", "class_groups")}
        run_metrics(d / "payloads.tsv", wt, pt, [], [], out, TRACKS)


def _cage_world(d: Path, rng, length: int = 6_400):
    sizes = {"chr1": 2_000_000}
    tracks = {}
    for i in range(5):
        _bigwig(d / f"c{i}.bw", sizes, rng)
        tracks[f"T{i}"] = {"file": str(d / f"c{i}.bw"), "clip": 384, "scale": 1, "sum_stat": "sum"}
    (d / "map.bed").write_text("chr1\t0\t2000000\ttrain\n")
    return sizes, tracks


def step_cage_dataset(n: int) -> None:
    """n CAGE windows (6.4 kb) of 5 tracks; the authors' layout would hold fp16 one-hot (51 kB per
    window here, 200 kB at 25.6 kb) and the targets; written to chunked HDF5 256 windows at a time."""
    from regbench.studies.synthetic_loci.cage import build_dataset

    with tempfile.TemporaryDirectory() as t:
        d = Path(t)
        _, tracks = _cage_world(d, _rng(n))
        build_dataset(d / "map.bed", tracks, d / "c.h5", d / "c.bed", size=max(2, n // 4), batches=4, length=6_400, seed=1)


def step_cage_train(n: int) -> None:
    """A CAGE dataset of n windows; the training reads one window per item (HDF5 + genome)."""
    import torch

    from regbench.studies.synthetic_loci.cage import build_dataset, run_train

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as t:
        d = Path(t)
        rng = _rng(n)
        sizes, tracks = _cage_world(d, rng)
        fa = _genome(d, rng, sizes)
        build_dataset(d / "map.bed", tracks, d / "c.h5", d / "c.bed", size=max(2, n // 4), batches=4, length=WINDOW, seed=1)
        enf, _ = _enformer(d)
        run_train(str(enf), d / "c.h5", fa, d / "head", WINDOW, {"max_epochs": 1, "steps_per_epoch": 2, "batch_size": 4, "lr": 5e-4},
                  use_tf_gamma=False, precision="fp32")


STEPS = [
    ("dataset", step_dataset, 400),
    ("predict", step_predict, 160),
    ("finetune", step_finetune, 100),
    ("retained", step_retained, 64),
    ("metrics", step_metrics, 400),
    ("cage_dataset", step_cage_dataset, 1024),
    ("cage_train", step_cage_train, 512),
]


def _child(name: str, n: int) -> int:
    """Peak RSS (kB) of a fresh interpreter running one step at size n."""
    code = ("import resource, sys; sys.path.insert(0, %r); import benchmarks.memory_synthetic_loci as m; "
            "dict((s, f) for s, f, _ in m.STEPS)[%r](%d); print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
            % (str(Path(__file__).resolve().parents[1]), name, n))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    if out.returncode:
        raise RuntimeError(f"step {name} n={n} failed:\n{out.stderr[-3000:]}")
    return int(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> float:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", default=",".join(s for s, _, _ in STEPS))
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every step's n")
    a = ap.parse_args(argv)
    want = a.steps.split(",")
    rows = []
    for name, _fn, n in STEPS:
        if name not in want:
            continue
        n = max(2, int(n * a.scale))
        r1, r4 = _child(name, n), _child(name, 4 * n)
        rows.append({"step": f"synthetic_loci.{name}", "n": n, "rss_n_mb": r1 / 1024, "rss_4n_mb": r4 / 1024, "ratio": r4 / r1})
        print(f"{rows[-1]['step']:32s} n={n:<6d} rss(n)={r1 / 1024:8.1f} MB  rss(4n)={r4 / 1024:8.1f} MB  ratio={r4 / r1:.3f}", flush=True)
    m = max(r["ratio"] for r in rows)
    print(f"max_ratio={m:.3f}")
    return m


if __name__ == "__main__":
    main()
