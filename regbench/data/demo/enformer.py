"""The demo Enformer: a shrunken enformer-pytorch model trained on the demo world's tracks.

Heads (contracts: docs/architecture.md, helper contracts "Demo world shape"):

* ``human``: 0 ``DNASE:demo liver-like`` (resources/demo/tracks/human_dnase.bigWig),
  1 ``CAGE:brain, adult,`` (human_cage_brain.bigWig) on resources/demo/hg38/genome.fa;
* ``mouse``: 0 ``DNASE:129 ES-CJ7``, 1 ``DNASE:129 ES-E14`` (resources/demo/mm10/...).

Training (through :func:`regbench.train.trainer.fit`): windows of ``window`` bp, targets = 128-bp
bin means (``genome.tracks.bin_mean``), Poisson loss on both heads at once (the targets of the
other species are NaN and masked). Human windows: chr1-7 (chr8 = test, chr9 = valid), a mix of
TSS-containing windows (the TSS anywhere in the central half), DNase-peak windows and random
windows; mouse windows: jittered copies of ``train_regions.bed``; mouse held-out regions are split
in two halves (valid / test). The model works at any input length that is a multiple of 128
(``target_length=-1``); attention output layers are re-initialised so attention is exercised.

Outputs: ``save_pretrained(model_dir, safe_serialization=False)``, the trainer's
``history.tsv``, and a metrics TSV (head, track, description, split, what, n, pearson; for the
DHS-deletion rows the ``pearson`` column holds the named statistic instead).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.genome.tracks import bin_mean
from regbench.workflow import atomic_path

BIN = 128
HUMAN_TRACKS = [("DNASE:demo liver-like", "DNASE", "demo_liver"), ("CAGE:brain, adult,", "CAGE", "demo_brain")]
MOUSE_TRACKS = [("DNASE:129 ES-CJ7", "DNASE", "demo_escj7"), ("DNASE:129 ES-E14", "DNASE", "demo_e14")]


def write_targets_tables(human_path: str | os.PathLike, mouse_path: str | os.PathLike, human_files=None,
                         mouse_files=None) -> None:
    """Demo ``targets_{human,mouse}.txt`` in the Basenji layout (index genome identifier file clip
    scale sum_stat description); the mouse ``index`` continues after the human tracks as in the
    real tables, the row position is the head's track index."""
    human_files = human_files or ["human_dnase.bigWig", "human_cage_brain.bigWig"]
    mouse_files = mouse_files or ["dnase_escj7.bigWig", "dnase_e14.bigWig"]
    rows_h = [
        dict(index=i, genome=0, identifier=ident, file=f, clip=32, scale=2, sum_stat="mean" if kind == "DNASE" else "sum",
             description=desc)
        for i, ((desc, kind, ident), f) in enumerate(zip(HUMAN_TRACKS, human_files))
    ]
    rows_m = [
        dict(index=len(rows_h) + i, genome=1, identifier=ident, file=f, clip=32, scale=2, sum_stat="mean",
             description=desc)
        for i, ((desc, kind, ident), f) in enumerate(zip(MOUSE_TRACKS, mouse_files))
    ]
    for rows, path in ((rows_h, human_path), (rows_m, mouse_path)):
        with atomic_path(path) as tmp:
            pd.DataFrame(rows).to_csv(tmp, sep="\t", index=False)


@dataclass
class DemoEnformerParams:
    window: int = 4096  # training window (bp)
    eval_window: int = 8192  # held-out evaluation window (personal's demo length)
    dim: int = 96
    depth: int = 2
    heads: int = 2
    attn_dim_key: int = 16
    dim_divisible_by: int = 16
    n_human_tss: int = 12  # windows per training TSS
    n_human_peak: int = 300
    n_human_random: int = 200
    n_mouse: int = 8  # jittered windows per training region
    max_epochs: int = 6
    steps_per_epoch: int = 50
    batch_size: int = 4
    lr: float = 2e-3
    select: str = "last"  # trainer selection; the small validation set is noisy early on
    seed: int = 0
    extra: dict = field(default_factory=dict)


class _World:
    """Whole-genome one-hot and 128-bp-binnable tracks of one species, held in memory."""

    def __init__(self, genome_path, track_paths, window, pad_bp=None):
        from regbench.genome.fasta import Genome
        from regbench.genome.onehot import one_hot
        from regbench.genome.tracks import read_windows

        self.window = window
        self.pad = pad = max(window, pad_bp or 0)
        self.onehot, self.tracks, self.sizes = {}, {}, {}
        with Genome(genome_path) as g:
            for chrom, size in g.chrom_sizes.items():
                self.sizes[chrom] = size
                zeros = np.zeros((pad, 4), dtype=np.float32)
                self.onehot[chrom] = np.concatenate([zeros, one_hot(g.fetch(chrom, 0, size)), zeros])
                cols = [read_windows(p, chrom, 0, size)[0] for p in track_paths]
                t = np.stack(cols, -1)
                tpad = np.zeros((pad, t.shape[1]), dtype=np.float32)
                self.tracks[chrom] = np.concatenate([tpad, t, tpad])

    def x(self, chrom, start, length=None):
        """One-hot (length, 4) of [start, start + length) (N-padded beyond the ends)."""
        length = length or self.window
        s = start + self.pad
        return self.onehot[chrom][s : s + length]

    def y(self, chrom, start, length=None):
        """128-bp bin means (length / 128, tracks) of [start, start + length)."""
        length = length or self.window
        s = start + self.pad
        return bin_mean(self.tracks[chrom][s : s + length], BIN, axis=0)


def _human_windows(world: _World, genes: pd.DataFrame, chroms, p: DemoEnformerParams, rng) -> pd.DataFrame:
    W = p.window
    rows = []
    for g in genes[genes.chrom.isin(chroms)].itertuples():
        for _ in range(p.n_human_tss):
            off = int(rng.integers(W // 4, 3 * W // 4))
            rows.append((g.chrom, int(g.tss) - off, "tss"))
    chroms = [c for c in chroms if c in world.sizes]
    # DNase-peak windows: bins in the top 3% of the DNase track
    for c in chroms:
        d = world.tracks[c][W:-W, 0]
        b = bin_mean(d[: len(d) // BIN * BIN], BIN, acc_dtype=None)  # float32 sums, as before
        top = np.flatnonzero(b >= np.quantile(b, 0.97))
        k = max(1, p.n_human_peak // len(chroms))
        for centre in rng.choice(top, size=k, replace=True):
            rows.append((c, int(centre * BIN - rng.integers(W // 4, 3 * W // 4)), "peak"))
    for _ in range(p.n_human_random):
        c = chroms[int(rng.integers(len(chroms)))]
        rows.append((c, int(rng.integers(0, world.sizes[c] - W)), "random"))
    df = pd.DataFrame(rows, columns=["chrom", "start", "kind"])
    df["start"] = (df.start // BIN) * BIN  # bin-aligned windows: targets align with the genome grid
    return df


def _mouse_windows(regions: pd.DataFrame, world: _World, n_jitter: int, W: int, rng) -> pd.DataFrame:
    rows = []
    for r in regions.itertuples():
        centre = (int(r.start) + int(r.end)) // 2
        for j in range(n_jitter):
            jit = 0 if j == 0 else int(rng.integers(-W // 2, W // 2))
            s = max(0, min(world.sizes[r.chrom] - W, centre - W // 2 + jit))
            rows.append((r.chrom, (s // BIN) * BIN, "region"))
    return pd.DataFrame(rows, columns=["chrom", "start", "kind"])


class _WindowDataset:
    """torch Dataset over (species, chrom, start) windows -> (x (W, 4), y (W/128, 4)).

    y columns: human DNase, human CAGE, mouse ES-CJ7, mouse ES-E14; the other species' columns
    are NaN (masked by the loss)."""

    def __init__(self, items, worlds):
        import torch

        self._torch = torch
        self.items = items
        self.worlds = worlds

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        sp, chrom, start = self.items[i]
        w = self.worlds[sp]
        x = w.x(chrom, start)
        t = w.y(chrom, start)
        y = np.full((t.shape[0], 4), np.nan, dtype=np.float32)
        if sp == "human":
            y[:, :2] = t
        else:
            y[:, 2:] = t
        return self._torch.from_numpy(np.ascontiguousarray(x)), self._torch.from_numpy(y)


def _joint_module(enformer):
    import torch
    from torch import nn

    class Joint(nn.Module):
        """(N, L, 4) -> (N, L/128, 4): human head tracks then mouse head tracks (one trunk pass)."""

        def __init__(self, enf):
            super().__init__()
            self.enformer = enf
            self.input_length, self.output_bin_size, self.n_tracks = None, BIN, 4

        def forward(self, x):
            out = self.enformer(x)
            return torch.cat([out["human"], out["mouse"]], dim=-1)

    return Joint(enformer)


def build_demo_enformer(p: DemoEnformerParams):
    """The shrunken Enformer (heads human=2, mouse=2, 128-bp bins, no crop), attention live."""
    import torch
    from enformer_pytorch import Enformer
    from enformer_pytorch.modeling_enformer import Attention

    torch.manual_seed(p.seed)
    m = Enformer.from_hparams(dim=p.dim, depth=p.depth, heads=p.heads, attn_dim_key=p.attn_dim_key,
                              dim_divisible_by=p.dim_divisible_by, num_downsamples=7, target_length=-1,
                              output_heads=dict(human=2, mouse=2))
    for mod in m.modules():
        if isinstance(mod, Attention):
            torch.nn.init.normal_(mod.to_out.weight, std=0.02)
    return m


def train_demo_enformer(human_genome, human_dnase, human_cage, genes_tsv, mouse_genome, mouse_escj7, mouse_e14,
                        mouse_train_bed, mouse_heldout_bed, model_dir, history_out, metrics_out,
                        params: DemoEnformerParams | dict | None = None, log: logging.Logger | None = None,
                        workdir=None, mouse_dhs_sites=None) -> pd.DataFrame:
    """Train the demo Enformer (see module docstring); returns the held-out metrics table."""
    import torch

    from regbench.genome.intervals import read_bed
    from regbench.train.losses import get_loss
    from regbench.train.trainer import TrainConfig, fit

    log = log or logging.getLogger("regbench.demo_enformer")
    p = params if isinstance(params, DemoEnformerParams) else DemoEnformerParams(**(params or {}))
    rng = np.random.default_rng(p.seed)
    W = p.window
    worlds = {
        "human": _World(human_genome, [human_dnase, human_cage], W, p.eval_window),
        "mouse": _World(mouse_genome, [mouse_escj7, mouse_e14], W, p.eval_window),
    }
    genes = pd.read_csv(genes_tsv, sep="\t")
    train_chroms = [c for c in worlds["human"].sizes if c not in ("chr8", "chr9")]
    hw = _human_windows(worlds["human"], genes, train_chroms, p, rng)
    hv = _human_windows(worlds["human"], genes, ["chr9"], DemoEnformerParams(**{**p.__dict__, "n_human_tss": 1,
                                                                             "n_human_peak": 20,
                                                                             "n_human_random": 20}), rng)
    mtrain = read_bed(mouse_train_bed)
    mheld = read_bed(mouse_heldout_bed)
    half = len(mheld) // 2
    mv, mt = mheld.iloc[:half], mheld.iloc[half:]
    mw = _mouse_windows(mtrain, worlds["mouse"], p.n_mouse, W, rng)
    mwv = _mouse_windows(mv, worlds["mouse"], 1, W, rng)
    items_tr = [("human", r.chrom, int(r.start)) for r in hw.itertuples()] + [
        ("mouse", r.chrom, int(r.start)) for r in mw.itertuples()
    ]
    items_va = [("human", r.chrom, int(r.start)) for r in hv.itertuples()] + [
        ("mouse", r.chrom, int(r.start)) for r in mwv.itertuples()
    ]
    log.info("demo Enformer: %d training windows (%s), %d validation windows, window %d bp", len(items_tr),
             dict(pd.Series([k for k in hw.kind] + ["mouse"] * len(mw)).value_counts()), len(items_va), W)
    enf = build_demo_enformer(p)
    joint = _joint_module(enf)
    cfg = TrainConfig(max_epochs=p.max_epochs, batch_size=p.batch_size, lr=p.lr, seed=p.seed, schedule="cosine",
                      steps_per_epoch=p.steps_per_epoch, grad_clip=1.0, device="cpu", select=p.select)
    if workdir is None:  # a private checkpoint folder: a killed run restarts
        workdir = Path(tempfile.mkdtemp(prefix="demo_enformer_"))
    else:  # checkpoints keyed by the settings: a killed run resumes, a changed one starts afresh
        key = hashlib.sha256(json.dumps(dataclasses.asdict(p), sort_keys=True, default=str).encode()).hexdigest()[:12]
        workdir = Path(workdir) / key
    log.info("demo Enformer: checkpoints in %s", workdir)
    res = fit(joint, _WindowDataset(items_tr, worlds), _WindowDataset(items_va, worlds),
              get_loss("poisson", mask_nan=True), cfg, workdir, log=log)
    enf = res.model.enformer.eval()

    sites = pd.read_csv(mouse_dhs_sites, sep="\t") if mouse_dhs_sites else None
    metrics = evaluate_demo_enformer(enf, worlds, genes, mt, log, p.eval_window, sites)
    with atomic_path(model_dir) as tmp:
        enf.save_pretrained(tmp, safe_serialization=False)
    with atomic_path(history_out) as tmp:  # without wall-clock seconds: identical across demo runs
        res.history.drop(columns=["seconds"]).to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    with atomic_path(metrics_out) as tmp:
        metrics.to_csv(tmp, sep="\t", index=False, float_format="%.4f")
    shutil.rmtree(workdir, ignore_errors=True)  # finished: nothing left to resume
    return metrics


def dhs_deletion_check(mouse_head, world: _World, dhs_sites: pd.DataFrame, regions: pd.DataFrame,
                       W: int = 8192) -> list[dict]:
    """Delete each DHS core inside ``regions`` (genomic deletion: the window is re-filled from the
    right) and compare the predicted ES-CJ7/E14 signal over the core's bins (site-centred windows).

    Returns metric rows: fraction of DHSs whose predicted signal drops, and the median ratio.
    """
    from regbench.predict.engine import predict

    inside = []
    for r in dhs_sites.itertuples():
        sel = regions[(regions.chrom == r.chrom) & (regions.start <= r.start) & (regions.end >= r.end)]
        if len(sel) and isinstance(r.motifs, str) and r.motifs:
            inside.append(r)
    if not inside:
        return []
    ref, alt = [], []
    for r in inside:
        s = int(r.centre) - W // 2
        ref.append(world.x(r.chrom, s, W))
        core = int(r.end) - int(r.start)
        left = world.x(r.chrom, s, int(r.start) - s)
        right = world.x(r.chrom, int(r.end), W - (int(r.start) - s))
        alt.append(np.concatenate([left, right]))
    pr = predict(mouse_head, np.stack(ref + alt), batch_size=8, precision="fp32", progress=False)
    n = len(inside)
    c = W // BIN // 2
    sig_ref = pr[:n, c - 1 : c + 1].sum(1)  # the core spans the two centre bins
    sig_alt = pr[n:, c - 1 : c + 1].sum(1)
    rows = []
    for t, (desc, _, _) in enumerate(MOUSE_TRACKS):
        rows.append(dict(head="mouse", track=t, description=desc, split="held-out DHS deletions",
                         what="fraction with lower prediction", n=n, pearson=float(np.mean(sig_alt[:, t] < sig_ref[:, t]))))
        rows.append(dict(head="mouse", track=t, description=desc, split="held-out DHS deletions",
                         what="median predicted ratio deleted/reference", n=n,
                         pearson=float(np.median(sig_alt[:, t] / sig_ref[:, t]))))
    return rows


def evaluate_demo_enformer(enf, worlds, genes: pd.DataFrame, mouse_test: pd.DataFrame, log,
                           W: int = 8192, dhs_sites: pd.DataFrame | None = None) -> pd.DataFrame:
    """Held-out Pearson per track on ``W``-bp windows (all bins of the test chromosome / mouse
    held-out regions; DNase and CAGE summed over the 3 centre bins of TSS-centred windows)."""
    from regbench.metrics.correlation import pearson
    from regbench.predict.engine import predict
    from regbench.predict.enformer import EnformerHead

    rows = []
    hum, mou = EnformerHead(enf, "human"), EnformerHead(enf, "mouse")
    # human test chromosome chr8 tiled with non-overlapping windows
    hw = worlds["human"]
    starts = np.arange(0, hw.sizes["chr8"] - W + 1, W)
    x = np.stack([hw.x("chr8", s, W) for s in starts])
    y = np.stack([hw.y("chr8", s, W) for s in starts])
    pred = predict(hum, x, batch_size=8, precision="fp32", progress=False)
    for t, (desc, _, _) in enumerate(HUMAN_TRACKS):
        rows.append(dict(head="human", track=t, description=desc, split="test chr8", what="all bins",
                         n=int(y[..., t].size), pearson=pearson(pred[..., t].ravel(), y[..., t].ravel())))
    # CAGE and DNase at TSS bins: TSS-centred windows (TSS at offset W/2 -> bin W/256), 3 centre bins summed
    c = W // BIN // 2
    for split, chroms in (("held-out chr8+chr9", ["chr8", "chr9"]), ("train chr1-7", None)):
        g = genes[genes.chrom.isin(chroms)] if chroms else genes[~genes.chrom.isin(["chr8", "chr9"])]
        if len(g) < 3:
            continue
        starts = ((g.tss.to_numpy() - W // 2) // BIN) * BIN
        x = np.stack([hw.x(ch, s, W) for ch, s in zip(g.chrom, starts)])
        y = np.stack([hw.y(ch, s, W) for ch, s in zip(g.chrom, starts)])
        pr = predict(hum, x, batch_size=8, precision="fp32", progress=False)
        for t, (desc, _, _) in enumerate(HUMAN_TRACKS):
            rows.append(dict(head="human", track=t, description=desc, split=split, what="TSS bins (3 centre)",
                             n=len(g), pearson=pearson(pr[:, c - 1 : c + 2, t].sum(1), y[:, c - 1 : c + 2, t].sum(1))))
    # mouse held-out regions
    mw = worlds["mouse"]
    mstarts = [((int(r.start) + int(r.end)) // 2 - W // 2) // BIN * BIN for r in mouse_test.itertuples()]
    x = np.stack([mw.x(r.chrom, s, W) for r, s in zip(mouse_test.itertuples(), mstarts)])
    y = np.stack([mw.y(r.chrom, s, W) for r, s in zip(mouse_test.itertuples(), mstarts)])
    pm = predict(mou, x, batch_size=8, precision="fp32", progress=False)
    for t, (desc, _, _) in enumerate(MOUSE_TRACKS):
        rows.append(dict(head="mouse", track=t, description=desc, split="held-out chr19 (2nd half)", what="all bins",
                         n=int(y[..., t].size), pearson=pearson(pm[..., t].ravel(), y[..., t].ravel())))
    if dhs_sites is not None:
        rows.extend(dhs_deletion_check(mou, mw, dhs_sites, mouse_test, W))
    df = pd.DataFrame(rows)
    for r in df.itertuples():
        log.info("held-out %s/%s %s %s: n=%d pearson=%.3f", r.head, r.description, r.split, r.what, r.n, r.pearson)
    return df
