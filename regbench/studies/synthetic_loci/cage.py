"""The authors' mESC CAGE head (spec synthetic_loci.md §3 "New-track head training"): a new 5-track
output layer trained on the frozen Enformer trunk, then read out on every payload.

Authors' code (mauranolab/finetune-enformer): ``src/data/make_track_dataset_h5.py`` (dataset),
``src/models/train_track_h5.py`` (training), ``src/models/predict_array.py`` + ``src/analyze/
array_correlation_bw.py`` (held-out evaluation); tracks from their README ``tracks.tsv``: FANTOM5
CNhs14104, CNhs14109 and GEO GSM3852792-4, each ``clip 384, scale 1, sum``.

- :func:`measure_bins` = their ``CovReader.measure``: base-resolution signal of a window, NaN -> 0
  (the code fills NaN with the window median, but ``np.percentile`` of an array holding NaN is NaN and
  ``nan_to_num`` makes it 0, so any uncovered base gives 0), ``sum``/``mean`` per 128-bp bin,
  ``x scale``, clipped to ``[-clip, clip]`` and to the float16 range, float16.
- :func:`sample_windows`: ``size * batches`` random ``length``-bp windows whose start lies in
  ``[start, end - length)`` of a region (step 1), uniform over all such starts with replacement, as
  their start pool, without materialising the pool (one draw of a region weighted by its number of
  starts, then a uniform start).
- :func:`build_dataset`: per window the binned signal of every track; windows whose largest per-track
  standard deviation over bins is below ``cutoff`` are dropped (their ``--cutoff``). Written
  incrementally to one chunked HDF5 (``target`` (n, bins, T) float16, ``chrom``/``start``/``batch``)
  plus ``dataset.bed``. Unlike the authors (fp16 one-hot in the HDF5: 200 kB per window, ~100 GB at
  their 20 x 25,000 windows), sequences are not stored: :class:`CageWindows` fetches them from the
  genome per item. Window ``i`` belongs to batch ``i // size`` (their file ``{prefix}.{batch}.h5``).
- :class:`CageModel`: frozen trunk + ``Linear(2 * dim, T)`` + softplus per bin (their
  ``Sequential([trunk, Dense(HEADSIZE, softplus)])``); Poisson loss (Keras), Adam lr 5e-4,
  20 epochs x 400 steps x batch 4. Only the head is saved (``model.pt`` = head weights). The first
  ``max(1, int(batches * validation))`` batches validate; each epoch the trainer scores the first
  ``steps * batch`` validation windows (the authors score ``steps`` validation batches per epoch,
  drawn on from an endless iterator; here the same count, the same windows each epoch).
  ``trunk_mode``: ``authors`` = the trunk runs in training mode while the head trains (their
  ``model(x, is_training=True)``: dropout and BatchNorm batch statistics; weights frozen; the drifted
  BatchNorm running statistics are never saved, as in their code) | ``eval`` = frozen features.
- :func:`run_predict_payloads`: CAGE predictions of every payload through the study's
  :func:`regbench.studies.synthetic_loci.predict.run_predict` (model, track indices, bin size; same windows, shifts and
  tables as the DNase predictions; per window ``binsum_<track>`` = predicted RNA over the window and
  ``peaksum_<track>`` over the annotated DHSs).
- :func:`run_heldout`: per held-out region and track, Pearson r across bins between the transformed
  prediction and ``log10(obs + 1)`` (obs binned by :func:`measure_bins`); ``transform="authors"``
  applies ``log10(x + 1)`` twice to predictions (``array_correlation_bw.py`` loads
  ``log10(pred + 1)`` then logs it again), ``"log10"`` once.
- :func:`ctss_to_bigwig`: FANTOM5 CTSS BED (``chrom start end name count strand``) -> bigWig of counts
  per base, both strands summed, streamed in chunks.

torch is imported inside functions.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.errors import InputError

SUM_STATS = ("sum", "mean")
F16_MAX = float(np.finfo(np.float16).max)


def measure_bins(values: np.ndarray, width: int, sum_stat: str = "sum", scale: float | None = 1.0, clip: float | None = None) -> np.ndarray:
    """(N, L) base-resolution signal (NaN = no data) -> (N, L // width) float16 (see module docstring)."""
    if sum_stat not in SUM_STATS:
        raise ValueError(f"sum_stat must be one of {SUM_STATS}, got {sum_stat!r}")
    v = np.nan_to_num(np.asarray(values, dtype=np.float32), nan=0.0)
    n, L = v.shape
    if L % width:
        raise ValueError(f"window length {L} is not a multiple of the bin width {width}")
    b = v.reshape(n, L // width, width)
    b = b.sum(axis=2, dtype=np.float32) if sum_stat == "sum" else b.mean(axis=2, dtype=np.float32)
    if scale is not None:
        b = b * np.float32(scale)
    if clip is not None:
        b = np.clip(b, -float(clip), float(clip))
    return np.clip(b, -F16_MAX, F16_MAX).astype(np.float16)


def sample_windows(regions: pd.DataFrame, n: int, length: int, seed: int, step: int = 1) -> pd.DataFrame:
    """``n`` windows (chrom, start, end) with starts uniform over ``range(start, end - length, step)`` of
    the regions at least ``length`` long (with replacement); seeded (numpy default_rng)."""
    r = regions[(regions["end"] - regions["start"]) >= length].reset_index(drop=True)
    counts = np.maximum((r["end"] - length - r["start"] + step - 1) // step, 0).to_numpy(dtype=np.int64)
    if not len(r) or counts.sum() == 0:
        raise InputError("<regions>", None, f"regions of at least {length + 1} bp to sample {length}-bp windows from", "none")
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(r), size=int(n), p=counts / counts.sum())
    starts = r["start"].to_numpy()[idx] + step * (rng.random(int(n)) * counts[idx]).astype(np.int64)
    return pd.DataFrame({"chrom": r["chrom"].to_numpy()[idx], "start": starts, "end": starts + length})


def read_tracks_table(path) -> dict[str, dict]:
    """The authors' ``tracks.tsv`` (index identifier file clip scale sum_stat description) ->
    identifier -> {file, clip, scale, sum_stat, description}; relative ``file`` paths are taken
    relative to the table."""
    path = Path(path)
    df = pd.read_csv(path, sep="\t", dtype={"identifier": str, "file": str})
    need = ["identifier", "file", "clip", "scale", "sum_stat"]
    miss = [c for c in need if c not in df.columns]
    if miss:
        raise InputError(path, "header", f"columns index identifier file clip scale sum_stat description (authors' tracks.tsv)", f"missing {miss}")
    out = {}
    for r in df.itertuples(index=False):
        f = Path(r.file)
        out[r.identifier] = {"file": str(f if f.is_absolute() else path.parent / f), "clip": float(r.clip), "scale": float(r.scale),
                             "sum_stat": r.sum_stat, "description": getattr(r, "description", r.identifier)}
    return out


def build_dataset(regions_path, tracks: dict[str, dict], out_h5, out_bed, size: int, batches: int, length: int, width: int = 128,
                  cutoff: float | None = 1e-5, seed: int = 55, fold: str | None = None, chunk: int = 256, log=None) -> int:
    """Write the CAGE training dataset (module docstring); returns the number of windows kept.

    ``regions_path``: BED of mappable regions (a 4th column with ``fold`` keeps only those rows);
    ``tracks``: identifier -> {file, clip, scale, sum_stat} in head order. Peak memory is set by
    ``chunk`` (windows read at a time), not by ``size * batches``.
    """
    import h5py

    from regbench.genome.intervals import read_bed
    from regbench.genome.tracks import read_windows
    from regbench.workflow import atomic_path

    reg = read_bed(regions_path)
    if fold:
        reg = reg[reg["name"].astype(str) == fold]
    total = int(size) * int(batches)
    wins = sample_windows(reg, total, length, seed)
    idents = list(tracks)
    chroms = sorted(set(wins["chrom"]))
    cidx = {c: i for i, c in enumerate(chroms)}
    n_bins = length // width
    kept = 0
    with atomic_path(out_h5) as tmp_h5, atomic_path(out_bed) as tmp_bed:
        with h5py.File(tmp_h5, "w") as h5, open(tmp_bed, "w") as bed:
            rows = max(1, min(64, total))
            tgt = h5.create_dataset("target", shape=(0, n_bins, len(idents)), maxshape=(None, n_bins, len(idents)), dtype="float16",
                                    chunks=(rows, n_bins, len(idents)), compression="gzip", compression_opts=4)
            ch = h5.create_dataset("chrom", shape=(0,), maxshape=(None,), dtype="int16", chunks=(max(1, min(4096, total)),))
            st = h5.create_dataset("start", shape=(0,), maxshape=(None,), dtype="int64", chunks=(max(1, min(4096, total)),))
            for c0 in range(0, total, chunk):
                w = wins.iloc[c0 : c0 + chunk]
                y = np.stack([measure_bins(read_windows(tracks[t]["file"], w["chrom"].tolist(), w["start"].to_numpy(), w["end"].to_numpy(), nan=None),
                                           width, tracks[t]["sum_stat"], tracks[t].get("scale"), tracks[t].get("clip")) for t in idents], axis=-1)
                keep = np.ones(len(w), dtype=bool) if not cutoff else y.astype(np.float32).std(axis=1).max(axis=1) >= cutoff
                k = int(keep.sum())
                if k:
                    for ds, val in ((tgt, y[keep]), (ch, w["chrom"].map(cidx).to_numpy()[keep]), (st, w["start"].to_numpy()[keep])):
                        ds.resize(kept + k, axis=0)
                        ds[kept : kept + k] = val
                    for r in w[keep].itertuples(index=False):
                        bed.write(f"{r.chrom}\t{r.start}\t{r.end}\n")
                    kept += k
                if log is not None and (c0 // chunk) % 20 == 0:
                    log.info("CAGE dataset: %d/%d windows read, %d kept", min(c0 + chunk, total), total, kept)
            h5.create_dataset("batch", data=(np.arange(kept) // int(size)).astype(np.int32))
            h5.attrs.update(chroms=json.dumps(chroms), tracks=json.dumps(idents), specs=json.dumps(tracks), length=length, width=width,
                            size=int(size), batches=int(batches), seed=int(seed), cutoff=float(cutoff or 0))
    if log is not None:
        log.info("CAGE dataset: %d of %d windows kept (cutoff %s), %d tracks %s", kept, total, cutoff, len(idents), idents)
    if kept == 0:
        raise InputError(out_h5, None, f"windows whose per-bin signal varies (std >= {cutoff}) in some track", "none: check the CAGE bigWigs")
    return kept


class CageWindows:
    """torch-style Dataset over rows ``index`` of a CAGE dataset: item = (one-hot (L, 4) float32 with
    N = ``n_value``, target (bins, T) float32). The HDF5 and the genome are opened lazily (per worker)."""

    def __init__(self, h5_path, genome_path, index: np.ndarray, n_value: float = 0.25):
        import h5py

        self.h5_path, self.genome_path, self.index, self.n_value = str(h5_path), str(genome_path), np.asarray(index, dtype=np.int64), n_value
        with h5py.File(self.h5_path, "r") as h5:
            self.chroms = json.loads(h5.attrs["chroms"])
            self.length = int(h5.attrs["length"])
        self._h5 = self._genome = None

    def __len__(self):
        return len(self.index)

    def __getitem__(self, i):
        import h5py
        import torch

        from regbench.genome.fasta import Genome
        from regbench.genome.onehot import one_hot

        if self._h5 is None:
            self._h5 = h5py.File(self.h5_path, "r")
            self._genome = Genome(self.genome_path)
        j = int(self.index[i])
        chrom, start = self.chroms[int(self._h5["chrom"][j])], int(self._h5["start"][j])
        x = one_hot(self._genome.fetch(chrom, start, start + self.length), n_value=self.n_value)
        return torch.from_numpy(x), torch.from_numpy(self._h5["target"][j].astype(np.float32))


def dataset_split(h5_path, validation: float, n_valid_windows: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, validation rows): the first ``max(1, int(batches * validation))`` batches validate
    (authors' ``split``); ``n_valid_windows`` keeps only the first that many validation rows."""
    import h5py

    with h5py.File(h5_path, "r") as h5:
        batch = h5["batch"][:]
        n_batches = int(batch.max()) + 1 if len(batch) else 0
    if n_batches < 2:
        raise InputError(h5_path, None, "a CAGE dataset of at least 2 batches (cage.batches; authors: 'Number of batches must be 2 or above')", f"{n_batches}")
    split = max(1, int(n_batches * validation))
    valid = np.flatnonzero(batch < split)
    train = np.flatnonzero(batch >= split)
    if n_valid_windows is not None:
        valid = valid[: int(n_valid_windows)]
    return train, valid


def _model_class():
    import torch.nn.functional as F
    from torch import nn

    class CageModel(nn.Module):
        """(N, L, 4) -> (N, L / 128, T): frozen Enformer trunk + per-bin Linear + softplus.

        The trunk is held outside the module tree (``state_dict`` = the head only; ``.to()`` and
        ``.train()`` still reach it). ``trunk_mode``: see module docstring.
        """

        def __init__(self, enformer: nn.Module, n_tracks: int, trunk_mode: str = "authors"):
            super().__init__()
            if trunk_mode not in ("authors", "eval"):
                raise ValueError(f"trunk_mode must be 'authors' or 'eval', got {trunk_mode!r}")
            object.__setattr__(self, "trunk", enformer)
            for p in enformer.parameters():
                p.requires_grad_(False)
            self.trunk_mode = trunk_mode
            self.linear = nn.Linear(int(enformer.dim) * 2, int(n_tracks))
            self.n_tracks = int(n_tracks)
            self.output_bin_size = 128
            self.input_length = None

        def _apply(self, fn, *args, **kwargs):
            super()._apply(fn, *args, **kwargs)
            self.trunk._apply(fn, *args, **kwargs)
            return self

        def train(self, mode: bool = True):
            super().train(mode)
            self.trunk.train(mode and self.trunk_mode == "authors")
            return self

        def forward(self, x):
            return F.softplus(self.linear(self.trunk(x, return_only_embeddings=True)))

    return CageModel


def build_cage_model(enformer, n_tracks: int, trunk_mode: str = "authors"):
    return _model_class()(enformer, n_tracks, trunk_mode)


def load_cage_model(enformer_source, model_dir, n_tracks: int, window: int, use_tf_gamma=None):
    """Original Enformer trunk + the trained CAGE head of ``model_dir/model.pt`` (eval mode)."""
    from regbench.studies.synthetic_loci.heads import load_base
    from regbench.train.trainer import load_trained

    return load_trained(build_cage_model(load_base(enformer_source, use_tf_gamma, window), n_tracks, "eval"), model_dir)


def run_train(enformer_source, dataset_h5, genome_path, outdir, window: int, train: dict, validation: float = 0.1,
              n_value: float = 0.25, trunk_mode: str = "authors", use_tf_gamma=None, seed: int = 55, log=None, *, precision: str):
    """Train the CAGE head (module docstring) with :func:`regbench.train.trainer.fit` at ``precision``
    (the study's ``precision.training``); returns its TrainResult."""
    import h5py

    from regbench.studies.synthetic_loci.finetune import _guard_checkpoint, _source_stamp
    from regbench.studies.synthetic_loci.heads import load_base
    from regbench.train.losses import get_loss
    from regbench.train.trainer import TrainConfig, fit

    with h5py.File(dataset_h5, "r") as h5:
        idents = json.loads(h5.attrs["tracks"])
        if int(h5.attrs["length"]) != window:
            raise InputError(dataset_h5, None, f"CAGE windows of {window} bp (synthetic_loci.window)", f"{int(h5.attrs['length'])} bp")
    steps, batch = int(train.get("steps_per_epoch", 400)), int(train.get("batch_size", 4))
    tr, va = dataset_split(dataset_h5, validation, steps * batch)
    model = build_cage_model(load_base(enformer_source, use_tf_gamma, window), len(idents), trunk_mode)
    cfg = TrainConfig(seed=seed, precision=precision, **train)
    # resume only a run with the same trunk, dataset and settings (else its checkpoints are dropped)
    _guard_checkpoint(outdir, {"enformer": _source_stamp(enformer_source), "dataset": _source_stamp(dataset_h5), "window": window,
                               "train": train, "validation": validation, "n_value": n_value, "trunk_mode": trunk_mode,
                               "seed": seed, "precision": precision}, log)
    if log is not None:
        log.info("CAGE head %s on the frozen trunk (%s mode): %d training windows, %d validation windows", idents, trunk_mode, len(tr), len(va))
    return fit(model, CageWindows(dataset_h5, genome_path, tr, n_value), CageWindows(dataset_h5, genome_path, va, n_value),
               get_loss("poisson"), cfg, outdir, log=log)


def run_predict_payloads(enformer_source, model_dir, dataset_h5, dataset_dir, window: int, out_windows, out_peaks, out_profiles,
                         shifts: int = 11, batch_size: int = 4, n_value: float = 0.25, use_tf_gamma=None, log=None, *, precision: str):
    """CAGE head predictions on every payload's ``predict`` windows (see module docstring)."""
    import h5py

    from regbench.studies.synthetic_loci.predict import run_predict

    with h5py.File(dataset_h5, "r") as h5:
        idents = json.loads(h5.attrs["tracks"])
    model = load_cage_model(enformer_source, model_dir, len(idents), window, use_tf_gamma)
    return run_predict(model, {t: i for i, t in enumerate(idents)}, 128, dataset_dir, window, out_windows, out_peaks, out_profiles,
                       shifts=shifts, batch_size=batch_size, n_value=n_value, log=log, precision=precision)


def run_heldout(enformer_source, model_dir, dataset_h5, genome_path, regions_path, window: int, out, fold: str | None = None,
                max_regions: int = 2000, seed: int = 5, shifts: int = 11, batch_size: int = 4, n_value: float = 0.25,
                transform: str = "authors", use_tf_gamma=None, chunk: int = 64, log=None, *, precision: str) -> pd.DataFrame:
    """Held-out evaluation of the CAGE head (module docstring): rows region, track, r (+ one ``median``
    row per track). Streams ``chunk`` regions at a time."""
    import h5py

    from regbench.genome.fasta import Genome
    from regbench.genome.intervals import read_bed
    from regbench.genome.onehot import one_hot
    from regbench.genome.tracks import read_windows
    from regbench.predict.engine import predict
    from regbench.studies.synthetic_loci.retained import rowwise_pearson, sample_regions
    from regbench.workflow import atomic_path

    if transform not in ("authors", "log10"):
        raise ValueError(f"transform must be 'authors' or 'log10', got {transform!r}")
    with h5py.File(dataset_h5, "r") as h5:
        idents = json.loads(h5.attrs["tracks"])
        specs = json.loads(h5.attrs["specs"])
    model = load_cage_model(enformer_source, model_dir, len(idents), window, use_tf_gamma)
    reg = read_bed(regions_path)
    if fold:
        reg = reg[reg["name"].astype(str) == fold]
    reg = sample_regions(reg, window, max_regions, seed)
    genome = Genome(genome_path)
    parts = []
    for c0 in range(0, len(reg), chunk):
        r = reg.iloc[c0 : c0 + chunk]
        x = one_hot([genome.fetch(c, s, e) for c, s, e in r.itertuples(index=False)], n_value=n_value)
        p = np.log10(np.clip(predict(model, x, batch_size=batch_size, shifts=tuple(range(int(shifts))), precision=precision, progress=False), 0, None) + 1)
        if transform == "authors":
            p = np.log10(p + 1)
        for t, ident in enumerate(idents):
            sp = specs[ident]
            obs = measure_bins(read_windows(sp["file"], r["chrom"].tolist(), r["start"].to_numpy(), r["end"].to_numpy(), nan=None), 128,
                               sp["sum_stat"], sp.get("scale"), sp.get("clip")).astype(np.float32)
            rr = rowwise_pearson(p[:, :, t : t + 1], np.log10(np.clip(obs, 0, None) + 1)[:, :, None])[:, 0]
            parts.append(pd.DataFrame({"region": [f"{c}:{s}-{e}" for c, s, e in r.itertuples(index=False)], "track": ident, "r": rr}))
        if log is not None:
            log.info("CAGE held-out: %d/%d regions", min(c0 + chunk, len(reg)), len(reg))
    df = pd.concat(parts, ignore_index=True)
    med = df.groupby("track", sort=False)["r"].median().reset_index().assign(region="median")
    df = pd.concat([df, med[["region", "track", "r"]]], ignore_index=True)
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    return df


def ctss_to_bigwig(ctss_path, chrom_sizes: dict[str, int], out, chunksize: int = 1_000_000) -> int:
    """FANTOM5 CTSS BED(.gz) -> bigWig of CAGE counts per base (both strands summed); returns the
    number of positions written. Input must be sorted by chromosome and start (as FANTOM5 ships it);
    read ``chunksize`` lines at a time."""
    import pyBigWig

    from regbench.workflow import atomic_path

    ctss_path = Path(ctss_path)
    n = 0
    carry = None
    done: set[str] = set()
    # bigWig entries must follow the header's chromosome order: a first pass reads the order of the
    # file (FANTOM5 sorts lexicographically: chr1, chr10, ..., chr2), unknown names are errors
    order: list[str] = []
    for part in pd.read_csv(ctss_path, sep="\t", header=None, usecols=[0], names=["chrom"], dtype=str, chunksize=chunksize, comment="#"):
        for c in dict.fromkeys(part["chrom"]):
            if c not in chrom_sizes:
                raise InputError(ctss_path, c, "a chromosome of the genome", "unknown")
            if not order or order[-1] != c:
                order.append(c)
    header = list(dict.fromkeys(order + list(chrom_sizes)))
    with atomic_path(out) as tmp:
        bw = pyBigWig.open(str(tmp), "w")
        try:
            bw.addHeader([(c, int(chrom_sizes[c])) for c in header], maxZooms=10)
            last = (None, -1)

            def flush(g: pd.DataFrame):
                nonlocal n, last
                for chrom, gc in g.groupby("chrom", sort=False):
                    if chrom not in chrom_sizes:
                        raise InputError(ctss_path, chrom, "a chromosome of the genome", "unknown")
                    st = gc["start"].to_numpy(np.int64)
                    if (chrom != last[0] and chrom in done) or (chrom == last[0] and st[0] <= last[1]) or (np.diff(st) <= 0).any():
                        raise InputError(ctss_path, f"{chrom}:{int(st[0])}", "CTSS sorted by chromosome and position", "unsorted")
                    bw.addEntries([chrom] * len(st), st.tolist(), ends=(st + 1).tolist(), values=gc["count"].astype(float).tolist())
                    if last[0] is not None and chrom != last[0]:
                        done.add(last[0])
                    last = (chrom, int(st[-1]))
                    n += len(st)

            reader = pd.read_csv(ctss_path, sep="\t", header=None, usecols=[0, 1, 4], names=["chrom", "start", "count"],
                                 dtype={"chrom": str, "start": np.int64, "count": float}, chunksize=chunksize, comment="#")
            for part in reader:
                if carry is not None:
                    part = pd.concat([carry, part], ignore_index=True)
                g = part.groupby(["chrom", "start"], sort=False, as_index=False)["count"].sum()
                # the last position may continue in the next chunk (other strand): keep it back
                carry, g = g.iloc[-1:], g.iloc[:-1]
                if len(g):
                    flush(g)
            if carry is not None and len(carry):
                flush(carry)
        finally:
            bw.close()
    return n


def run_ctss_to_bigwig(ctss, fai, out, log=None) -> int:
    sizes = dict(pd.read_csv(fai, sep="\t", header=None, usecols=[0, 1]).itertuples(index=False, name=None))
    n = ctss_to_bigwig(ctss, sizes, out)
    if log is not None:
        log.info("%s: %d CAGE positions -> %s", ctss, n, out)
    return n


def rna_readout(windows: pd.DataFrame, tracks: list[str], readout: str = "window") -> pd.DataFrame:
    """Per payload (mean over its windows) predicted RNA: ``window`` = CAGE summed over the window's
    bins, ``dhs`` = summed over the annotated DHS peaks; per track and ``rna`` = mean over tracks."""
    pref = {"window": "binsum_", "dhs": "peaksum_"}[readout]
    cols = [f"{pref}{t}" for t in tracks]
    g = windows.groupby("name", sort=False)[cols].mean()
    g.columns = tracks
    g["rna"] = g[tracks].mean(axis=1)
    return g.reset_index()
