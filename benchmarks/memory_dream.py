"""The DREAM study's data-size-dependent steps for ``benchmarks/memory.py`` (peak RSS at N and 4N).

``STEPS = [(name, fn(n) -> None, n)]``: each ``fn`` generates its inputs of size ``n`` (streamed to
a temporary directory, so generation does not hold them either) and runs the library function
in the current process:

* ``dream_encode``: :func:`regbench.studies.dream.store.encode_table` on an ``n``-row
  ``train_sequences.txt`` (chunks of 20,000 rows). N = 500,000: reading the table into memory
  as before (pandas strings, ~250 B per row) would add ~125 MB at N and ~500 MB at 4N to a
  ~100 MB interpreter, a ratio near 3.
* ``dream_train_autosome``: :func:`regbench.studies.dream.runs.train_and_predict` with the
  Autosome recipe (reverse complements on the fly, 5 % validation with Pearson selection,
  held-out and test predictions) on an ``n``-row encoded table, a shrunken DREAM-CNN and a fixed
  number of optimizer steps (30 x 64), so the model and batch are constant. N = 100,000: the
  eager arrays of before (forward + reverse complement, float32 6 x 150) would be 720 MB at N
  and 2.9 GB at 4N.
* ``dream_train_bhi``: the same with the BHI recipe (per-epoch random vector padding, Huber);
  the eager 4 x 110 arrays would be 176 MB at N, 704 MB at 4N.

What still grows with N: the split's index vectors (8-24 B per row: ~10 MB at 4N) and the page
cache of the memmapped codes (file-backed, counted in RSS only where pages were read).
* ``dream_followup_human``: one model x cell x fold of the human follow-up on an ``n``-row table
  (N = 50,000): the job holds the table's strings (~300 B per row) and one-hot encodes per batch;
  encoding the whole table as before would be 230 MB at N and 920 MB at 4N (230 x 5 float32).

Run: ``python benchmarks/memory.py --only dream``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ADAPTER_5, ADAPTER_3 = "TGCATTTTTTTCACATC", "GGTTACGGCTGTT"
CHUNK = 20_000


def write_train_table(path: Path, n: int, seed: int = 0) -> None:
    """``n`` random DREAM-like rows (17 + 80 + 13 bp, a few indels; 0..17 expression), written
    in chunks."""
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    with open(path, "w") as fh:
        for i in range(0, n, CHUNK):
            k = min(CHUNK, n - i)
            core = letters[rng.integers(0, 4, size=(k, 80))]
            u = rng.uniform(0, 17, size=k)
            expr = np.where(rng.random(k) < 0.5, np.round(u), np.round(u, 3))  # ~half "singletons"
            cut = rng.random(k) < 0.15
            fh.writelines(
                f"{ADAPTER_5}{(r[1:] if c else r).tobytes().decode()}{ADAPTER_3}\t{e:g}\n" for r, c, e in zip(core, cut, expr)
            )


def _small_test_world(d: Path) -> None:
    from regbench.data.demo.dream import make_yeast

    make_yeast(d, seed=1, n_train=100, n_random_test=50, n_designed=5, n_snv=10)


def step_encode(n: int) -> None:
    from regbench.studies.dream.store import encode_table

    with tempfile.TemporaryDirectory() as t:
        d = Path(t)
        write_train_table(d / "train.txt", n)
        encode_table(d / "train.txt", d / "store", chunk_rows=CHUNK)


def _train(n: int, recipe: str) -> None:
    from regbench.studies.dream.runs import train_and_predict
    from regbench.studies.dream.store import encode_table

    with tempfile.TemporaryDirectory() as t:
        d = Path(t)
        _small_test_world(d / "world")
        write_train_table(d / "train.txt", n)
        encode_table(d / "train.txt", d / "store", chunk_rows=CHUNK)
        (d / "train.txt").unlink()
        arch = {"autosome": ("dream_cnn", {"scale": 0.05, "init": "torch", "core_kw": {"block_sizes": [8], "resize_factor": 2}}),
                "bhi": ("bhi_deepgxp", {"scale": 0.05})}[recipe]
        spec = {"arch": arch[0], "recipe": recipe, "hparams": arch[1], "recipe_kw": {"tta_shifts": [0]} if recipe == "bhi" else {},
                "train": {"max_epochs": 2, "steps_per_epoch": 15, "batch_size": 64, "optimizer": "adamw", "lr": 1e-3,
                          "select": "best", "select_metric": "pearson"},
                "predict_batch_size": 256}
        w = d / "world"
        train_and_predict("bench", spec, str(d / "store"), str(w / "plasmid.json"), str(w / "test_subset_ids"),
                          str(w / "filtered_test_data_with_MAUDE_expression.txt"), d / "run", 0.05, 0,
                          str(d / "pred.tsv"), str(d / "ho.tsv"), precision={})


def step_train_autosome(n: int) -> None:
    _train(n, "autosome")


def step_train_bhi(n: int) -> None:
    _train(n, "bhi")


def step_followup_human(n: int) -> None:
    """:func:`regbench.studies.dream.followups.run_human` on an ``n``-row lentiMPRA-like table
    (one cell, test fold 0), a shrunken DREAM-CNN and 30 optimizer steps of 32."""
    from regbench.studies.dream.followups import run_human

    rng = np.random.default_rng(0)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    with tempfile.TemporaryDirectory() as t:
        d = Path(t)
        with open(d / "K562_clean.tsv", "w") as fh:
            fh.write("seq_id\tseq\tmean_value\tfold\n")
            for i in range(0, n, CHUNK):
                k = min(CHUNK, n - i)
                seqs = letters[rng.integers(0, 4, size=(k, 230))]
                fh.writelines(f"e{i + j}\t{s.tobytes().decode()}\t{v:.3f}\t{f}\n"
                              for j, (s, v, f) in enumerate(zip(seqs, rng.normal(size=k), rng.integers(0, 10, size=k))))
        spec = {"arch": "dream_cnn", "input": "dream", "hparams": {"scale": 0.05, "init": "torch", "core_kw": {"block_sizes": [8]}},
                "train": {"max_epochs": 2, "steps_per_epoch": 15, "batch_size": 32, "optimizer": "adamw", "lr": 1e-3,
                          "select": "best", "select_metric": "pearson"}}
        run_human("bench", spec, str(d), "K562", 0, 10, str(d / "run"), str(d / "out.tsv"), 0, precision={})


STEPS = [
    ("dream_encode", step_encode, 500_000),
    ("dream_train_autosome", step_train_autosome, 100_000),
    ("dream_train_bhi", step_train_bhi, 100_000),
    ("dream_followup_human", step_followup_human, 50_000),
]
