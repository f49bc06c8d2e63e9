"""Predicting the payload windows (spec §3) with a pretrained readout (the paper's Enformer or any
model card), a fine-tuned model or the CAGE head.

:func:`load_readout`: the one loader, model card -> (model, track indices, bin size); the paper's
Enformer is the built-in card (:func:`regbench.studies.synthetic_loci.models.enformer_card`).
:func:`run_predict`: that model (or a fine-tuned model's track head plus its activity) on the
``predict`` windows of each payload, 1-bp shift ensemble (engine ``shifts``): readout tracks ->
per-DHS peak = max over the bins overlapping the DHS (:func:`dhs_peaks`), ``peaksum`` = sum over
DHSs in the window; fine-tuned models also give ``predicted`` activity (:func:`TracksAndActivity`:
tracks and activity from one trunk pass). Writes per-window and per-DHS tables and the mean
predicted profile of each payload (sequence coordinates) for bedGraph export. Streams: the
windows are predicted in chunks, and each payload's rows and profile are written as soon as its
windows are done (memory set by one chunk and one payload, not by the number of payloads).

Memory: sequences are held as uint8 ASCII bytes (1 byte per base; :class:`~regbench.studies.
synthetic_loci.payloads.SequenceTable` reads one payload at a time) and one-hot encoded per
chunk; the float32 one-hot of every payload (16 bytes per base) is never built.

torch is imported inside the functions (study modules stay torch-free at import).
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.studies.synthetic_loci.heads import load_base
from regbench.studies.synthetic_loci.payloads import SequenceTable, read_tables, split_payloads


def TracksAndActivity(track_model, track_idx, activity_model=None):
    """One module for the engine: (N, L, 4) -> (N, bins, len(track_idx) + 1): the selected tracks of
    ``track_model`` and, in the last channel (repeated over bins), the fine-tuned activity computed from
    the **same** trunk pass (zeros without ``activity_model``)."""
    import torch
    from torch import nn

    class _TA(nn.Module):
        def __init__(self):
            super().__init__()
            self.track_model = track_model
            self.activity_model = activity_model
            self.register_buffer("idx", torch.tensor(list(track_idx), dtype=torch.long), persistent=False)

        def forward(self, x):
            if self.activity_model is None:
                tr = self.track_model(x)[:, :, self.idx]
                return torch.cat([tr, torch.zeros_like(tr[:, :, :1])], dim=-1)
            emb = self.activity_model.embeddings(x)
            enf = self.activity_model.enformer
            tr = enf._heads[self.track_model.head](emb)[:, :, self.idx]
            act = self.activity_model.head_forward(emb)
            return torch.cat([tr, act[:, None, None].expand(-1, tr.shape[1], 1)], dim=-1)

    return _TA()


def dhs_bin_mask(dhs: pd.DataFrame, offset: int, n_bins: int, bin_size: int = 128) -> np.ndarray:
    """(n_dhs, n_bins) bool: bin b (sequence ``[offset + b*bs, offset + (b+1)*bs)``) overlaps DHS ``[start, end)``."""
    lo = offset + np.arange(n_bins) * bin_size
    hi = lo + bin_size
    s = dhs["start"].to_numpy()[:, None]
    e = dhs["end"].to_numpy()[:, None]
    return (lo[None, :] < e) & (hi[None, :] > s)


def dhs_peaks(profile: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-DHS peak = max over overlapping bins: profile (n_bins, T), mask (n_dhs, n_bins) -> (n_dhs, T); NaN if no bin."""
    out = np.full((mask.shape[0], profile.shape[1]), np.nan, dtype=np.float64)
    for j in range(mask.shape[0]):
        if mask[j].any():
            out[j] = profile[mask[j]].max(axis=0)
    return out


def enformer_track_index(targets_path, tracks: dict[str, str]) -> dict[str, int]:
    """Study track key -> output track of the Enformer head, looked up by description
    (``tracks``: key -> description, e.g. ``{"escj7": "DNASE:129 ES-CJ7"}``) in ``targets_path``."""
    from regbench.predict.enformer import read_targets, track_index

    targets = read_targets(targets_path)
    return {k: track_index(targets, d) for k, d in tracks.items()}


def load_readout(card: dict, window: int, tracks: dict[str, str]):
    """The one loader of the study's pretrained readout: model card -> ``(model, track_index, bin_size)``.

    ``model`` maps ``(N, window, 4)`` to ``(N, window // bin_size, T)``; ``track_index`` maps each
    readout key (the first is the primary track of the metrics) to an output track of the model.

    * the built-in paper card (:func:`~regbench.studies.synthetic_loci.models.enformer_card`): the
      base Enformer's head, every study track (``tracks``: key -> description) looked up in the
      card's targets table, 128-bp bins;
    * a user card (``models:``, qualified for synthetic_loci by
      :func:`regbench.leaderboard.cards.qualify`): the registry model with its checkpoint
      (:func:`regbench.leaderboard.cards.pretrained_model`, output shape checked on one batch); the
      card's ``benchmarks.synthetic_loci.track`` stands for the primary study track, its
      ``output.bin_size`` for the bins.
    """
    if "enformer" in card:
        from regbench.predict.enformer import EnformerHead

        e = card["enformer"]
        model = EnformerHead(load_base(e["weights"], e.get("use_tf_gamma"), window), e.get("head", "mouse"))
        return model, enformer_track_index(e["targets"], tracks), 128
    from regbench.leaderboard.cards import pretrained_model, resolve_track

    model, shape = pretrained_model(card, "synthetic_loci", window)
    track = resolve_track(card, card["benchmarks"]["synthetic_loci"]["track"])
    if track >= shape[2]:
        raise ValueError(f"models.{card['name']}: synthetic_loci readout track {track} outside the output {shape}")
    return model, {next(iter(tracks)): track}, int(card["output"]["bin_size"])


def run_predict(
    model,
    track_index: dict[str, int],
    bin_size: int,
    dataset_dir: str | os.PathLike,
    window: int,
    out_windows: str | os.PathLike,
    out_peaks: str | os.PathLike,
    out_profiles: str | os.PathLike,
    activity_model=None,
    split: str = "authors",
    shifts: int = 11,
    batch_size: int = 4,
    n_value: float = 0.25,
    chunk: int = 256,
    log=None,
    *,
    precision: str,
) -> pd.DataFrame:
    """Predict the ``predict`` windows of the payloads (all for ``authors``, held-out fold for ``fold<k>``).

    ``model``, ``track_index``, ``bin_size``: what :func:`load_readout` returns for a model card (the
    paper's Enformer or a user's model): an ``nn.Module`` mapping ``(N, window, 4)`` to
    ``(N, window // bin_size, T)``, readout key -> output track (e.g. ``{"escj7": 0}``; the first is
    the primary track of the metrics), bp per output bin (DHS peaks = max over the bins overlapping
    the DHS). ``activity_model``: a fine-tuned model (:func:`~regbench.studies.synthetic_loci.heads.
    load_finetuned`) whose activity fills ``predicted`` from the same trunk pass (``model`` is then its
    track head); without it ``predicted`` is NaN.

    ``precision``: the study's ``precision.inference`` (fp32 by default: payload activities are
    compared at small differences).
    """
    from regbench.genome.onehot import one_hot
    from regbench.predict.device import resolve_device
    from regbench.predict.engine import predict
    from regbench.workflow import atomic_path

    ds, dhs, win = read_tables(dataset_dir)
    seqs = SequenceTable(Path(dataset_dir) / "sequences.tsv")
    _train, held = split_payloads(ds, split)
    names = list(ds["name"]) if split == "authors" else held
    if not track_index:
        raise ValueError("run_predict: no readout track (track_index is empty)")
    keys = list(track_index)
    finetuned = activity_model is not None
    model = TracksAndActivity(model, [int(track_index[k]) for k in keys], activity_model)
    model.to(resolve_device())  # this job's own model: on the GPU once, not per engine call
    bin_size = int(bin_size)
    if window % bin_size:
        raise ValueError(f"run_predict: bin size {bin_size} bp does not divide the {window}-bp window")
    shift_list = tuple(range(int(shifts)))
    n_bins = window // bin_size
    w_all = win[(win["set"] == "predict") & win["name"].isin(names)]
    order = {n: i for i, n in enumerate(names)}
    w_all = w_all.iloc[np.argsort(w_all["name"].map(order).to_numpy(), kind="stable")].reset_index(drop=True)
    pending: dict[str, list] = {}  # payload -> [(row index, (bins, T+1) prediction)] until its windows are done
    left = w_all["name"].value_counts().to_dict()
    codes: dict[str, np.ndarray] = {}
    wcols = ["name", "window", "offset", "predicted"] + [f"peaksum_{k}" for k in keys] + [f"binsum_{k}" for k in keys]
    pcols = ["name", "window", "offset", "label", "track", "peak"]
    out_rows = []
    with atomic_path(out_windows) as tw, atomic_path(out_peaks) as tp, atomic_path(out_profiles) as tz:
        with open(tw, "w") as fw, open(tp, "w") as fp, zipfile.ZipFile(tz, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            fw.write("\t".join(wcols) + "\n")
            fp.write("\t".join(pcols) + "\n")
            for c0 in range(0, len(w_all), chunk):
                part = w_all.iloc[c0 : c0 + chunk]
                xs = []
                for n, o in zip(part["name"], part["offset"]):
                    if n not in codes:
                        codes[n] = np.frombuffer(seqs[n].encode("ascii"), dtype=np.uint8)
                    xs.append(codes[n][o : o + window])
                x = one_hot(np.stack(xs), n_value=n_value)
                p = predict(model, x, batch_size=batch_size, shifts=shift_list, precision=precision, progress=False)
                if p.shape[1:] != (n_bins, len(keys) + 1):
                    raise ValueError(f"run_predict: the model maps ({len(x)}, {window}, 4) to {p.shape}; expected (N, {n_bins}, {len(keys) + 1}) with {bin_size}-bp bins")
                for k, (n, pk) in enumerate(zip(part["name"], p)):
                    pending.setdefault(n, []).append((c0 + k, pk))
                    left[n] -= 1
                    if left[n] == 0:
                        _write_payload(n, order[n], pending.pop(n), w_all, dhs, len(codes.pop(n)), keys, finetuned, n_bins, bin_size, window, fw, fp, zf, out_rows)
                if log is not None:
                    log.info("predicted %d/%d windows", c0 + len(part), len(w_all))
            for n in names:  # a payload without predict windows: an all-NaN profile, as before
                if n not in left:
                    _npz_put(zf, f"p{order[n]}", np.full((len(seqs[n]), len(keys)), np.nan, dtype=np.float32))
            _npz_put(zf, "tracks", np.array(keys))
            _npz_put(zf, "names", np.array(names))
    return pd.DataFrame(out_rows, columns=wcols)


def _npz_put(zf, name: str, arr: np.ndarray) -> None:
    """Write one array into an open npz (zip) archive, as ``np.savez`` would."""
    with zf.open(f"{name}.npy", "w", force_zip64=True) as fh:
        np.lib.format.write_array(fh, np.asanyarray(arr), allow_pickle=False)


def _write_payload(name, i, preds, w_all, dhs, L, keys, finetuned, n_bins, bin_size, window, fw, fp, zf, out_rows) -> None:
    """Rows of one payload's windows (per-window table, per-DHS peaks) and its mean profile ``p{i}``."""
    d = dhs[dhs["name"] == name].reset_index(drop=True)
    acc = np.zeros((L, len(keys)))
    cnt = np.zeros(L)
    for k, pk in preds:
        wi, o = int(w_all.at[k, "window"]), int(w_all.at[k, "offset"])
        tr = pk[:, : len(keys)]
        peaks = dhs_peaks(tr, dhs_bin_mask(d, o, n_bins, bin_size))
        row = {"name": name, "window": wi, "offset": o, "predicted": float(pk[0, -1]) if finetuned else np.nan}
        for t, key in enumerate(keys):
            row[f"peaksum_{key}"] = float(np.nansum(peaks[:, t]))
        for t, key in enumerate(keys):
            row[f"binsum_{key}"] = float(tr[:, t].astype(np.float64).sum())
        out_rows.append(row)
        fw.write("\t".join(_fmt(row[c]) for c in row) + "\n")
        for j, lab in enumerate(d["label"]):
            for t, key in enumerate(keys):
                fp.write(f"{name}\t{wi}\t{o}\t{lab}\t{key}\t{_fmt(peaks[j, t])}\n")
        acc[o : o + window] += np.repeat(tr, bin_size, axis=0)
        cnt[o : o + window] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        _npz_put(zf, f"p{i}", (acc / cnt[:, None]).astype(np.float32))


def _fmt(v) -> str:
    """A value as pandas ``to_csv`` writes it (repr of floats, empty for NaN)."""
    if isinstance(v, (float, np.floating)):
        return "" if np.isnan(v) else repr(float(v))
    return str(v)
