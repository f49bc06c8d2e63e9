"""CAGI5 regulation-saturation variant effects (specs/accessibility.md §5.8, §8).

Tables (coordinates 1-based GRCh37 in the files; ``pos`` below stays 1-based as in the files and
``pos0 = pos - 1`` is the 0-based variant position):

- official ``release_<ELEMENT>.tsv`` / ``challenge_<ELEMENT>.tsv``: 7 ``#`` header lines, then
  Chrom, Pos, Ref, Alt, Value, Confidence;
- ``training_all_RegDB.txt`` (Boyle-Lab/CAGI5-RegDB, the release set): chrom, start (0-based),
  end, ref, alt, effect_size, confidence, target, ...;
- ``test_labels.csv`` (meghegde/regulation-saturation-python, the challenge set):
  ``,#Chrom,Pos,Ref,Alt,Value,Confidence,name,label``.

:func:`read_cagi` returns one table with columns chrom (``chr`` prefixed), pos (1-based), ref,
alt, value, confidence, element, set (release|challenge). ``MYC`` is spelled ``MYCrs6983267`` in
the official files and ``MYC`` in the GitHub copies; elements are normalised to the official names.

Effects: the model sees a ``context`` (3072) bp window with the variant at index
``context//2 - 1`` (1535); predictions are made on ``input_len`` (2048) bp crops.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from regbench.errors import InputError
from regbench.metrics.correlation import pearson

COLUMNS = ["chrom", "pos", "ref", "alt", "value", "confidence", "element", "set"]
ELEMENT_ALIASES = {"MYC": "MYCrs6983267"}


def _norm_chrom(c) -> str:
    c = str(c)
    return c if c.startswith("chr") else f"chr{c}"


def _finish(df: pd.DataFrame, path, set_name) -> pd.DataFrame:
    df = df.copy()
    df["chrom"] = df["chrom"].map(_norm_chrom)
    df["element"] = df["element"].astype(str).replace(ELEMENT_ALIASES)
    if set_name is not None:
        df["set"] = set_name
    for col in ("pos",):
        df[col] = df[col].astype(np.int64)
    for col in ("value", "confidence"):
        df[col] = df[col].astype(np.float64)
    bad = ~df["ref"].astype(str).str.fullmatch("[ACGT]") | ~df["alt"].astype(str).str.fullmatch("[ACGT]")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(path, f"row {i + 1}", "single-base REF and ALT in ACGT", f"{df['ref'].iloc[i]}>{df['alt'].iloc[i]}")
    return df[COLUMNS]


def read_cagi_file(path: str | Path) -> pd.DataFrame:
    """Parse one CAGI5 table in any of the three layouts (see module docstring)."""
    path = Path(path)
    with open(path) as fh:
        first = fh.readline()
    name = path.name
    if first.startswith("##"):  # official per-element TSV
        m = re.match(r"(release|challenge)_(.+)\.tsv$", name)
        if not m:
            raise InputError(path, None, "an official CAGI5 file named {release|challenge}_<ELEMENT>.tsv", name)
        df = pd.read_csv(path, sep="\t", skiprows=7, header=None, names=["chrom", "pos", "ref", "alt", "value", "confidence"])
        df["element"] = m.group(2)
        return _finish(df, path, m.group(1))
    if first.startswith("chrom\tstart\tend\tref\talt\teffect_size"):  # RegDB release set
        df = pd.read_csv(path, sep="\t")
        df = df.rename(columns={"effect_size": "value", "target": "element"})
        df["pos"] = df["start"].astype(np.int64) + 1  # 0-based start -> 1-based position
        if not (df["end"] - df["start"] == 1).all():
            raise InputError(path, None, "SNVs (end - start == 1)")
        return _finish(df, path, "release")
    if first.startswith(",#Chrom,Pos,Ref,Alt,Value,Confidence"):  # challenge labels csv
        df = pd.read_csv(path, index_col=0)
        df = df.rename(columns={"#Chrom": "chrom", "Pos": "pos", "Ref": "ref", "Alt": "alt", "Value": "value", "Confidence": "confidence", "name": "element"})
        return _finish(df, path, "challenge")
    raise InputError(path, "line 1", "a CAGI5 header (official ##Chrom, RegDB 'chrom start end ...', or ',#Chrom,Pos,...')", first.strip()[:80])


def read_cagi(paths) -> pd.DataFrame:
    """Read and concatenate CAGI5 tables (release + challenge pooled, file order kept)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    return pd.concat([read_cagi_file(p) for p in paths], ignore_index=True)


def variant_windows(table: pd.DataFrame, genome, context: int = 3072, log=None) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Reference/alternative ``context``-bp sequences with the variant at ``context//2 - 1``.

    Window = ``[pos0 - (context//2 - 1), pos0 + context//2 + 1)`` (0-based; = GOPHER's
    ``[Pos-1536, Pos+1536)``). Rows with a window start <= 0 or whose reference base differs from
    ``ref`` are dropped (GOPHER keeps 18,442 of 18,463). Returns (kept rows, ref seqs, alt seqs).
    """
    centre = context // 2 - 1
    keep, refs, alts = [], [], []
    n_start = n_mismatch = 0
    for i, row in enumerate(table.itertuples(index=False)):
        pos0 = int(row.pos) - 1
        start = pos0 - centre
        if start <= 0:
            n_start += 1
            continue
        seq = genome.fetch(row.chrom, start, start + context)
        if seq[centre] != row.ref:
            n_mismatch += 1
            continue
        keep.append(i)
        refs.append(seq)
        alts.append(seq[:centre] + row.alt + seq[centre + 1 :])
    if log is not None:
        log.info("CAGI windows: %d kept, %d dropped at chromosome start, %d with a reference mismatch", len(keep), n_start, n_mismatch)
    return table.iloc[keep].reset_index(drop=True), refs, alts


def window_sums(
    predict_fn: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    offsets: np.ndarray,
    input_len: int = 2048,
    bin_size: int | None = 1,
) -> np.ndarray:
    """Coverage summed over the aligned central region, averaged over shifts: ``(N, C)``.

    x: ``(N, context, 4)``. For each offset ``o`` the model sees ``x[:, o:o+input_len]``; its
    profile output ``(N, L_out, C)`` is upsampled by ``bin_size`` and the region
    ``A(p) = P[(span - o) + p]``, ``p < span`` with ``span = context - input_len`` (1024) is
    averaged over the K offsets, then summed over p. Scalar outputs (``bin_size=None``, binary
    models) are averaged over the offsets. ``offsets=[span//2]`` is the standard (centre crop)
    prediction: the summed region is then ``[span//2, span//2+span)`` of the crop, i.e.
    positions 512..1535 of the 2048 crop (GOPHER ``vcf_fast``).
    """
    context = x.shape[1]
    span = context - input_len
    acc = None
    for o in offsets:
        o = int(o)
        out = np.asarray(predict_fn(x[:, o : o + input_len]), dtype=np.float64)
        if bin_size is None:
            val = out
        else:
            up = np.repeat(out, bin_size, axis=1)
            val = up[:, span - o : 2 * span - o].sum(axis=1)
        acc = val if acc is None else acc + val
    return acc / len(offsets)


def log_ratio_effects(s_ref: np.ndarray, s_alt: np.ndarray, aggregate: str = "mean_log_ratio") -> np.ndarray:
    """Cell-type-agnostic effect per variant from ``(N, C)`` ref/alt sums (or probabilities).

    aggregate: "mean_log_ratio" (GOPHER code: ``mean_c log2(alt_c/ref_c)``) or "log_mean_ratio"
    (paper text: ``log2(mean_c alt / mean_c ref)``). NaN/inf -> 0 (``np.nan_to_num``).
    """
    s_ref = np.asarray(s_ref, dtype=np.float64)
    s_alt = np.asarray(s_alt, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if aggregate == "mean_log_ratio":
            e = np.log2(s_alt / s_ref).mean(axis=1)
        elif aggregate == "log_mean_ratio":
            e = np.log2(s_alt.mean(axis=1) / s_ref.mean(axis=1))
        else:
            raise ValueError(f"unknown CAGI aggregate {aggregate!r}")
    return np.nan_to_num(e, nan=0.0, posinf=0.0, neginf=0.0)


def shift_offsets(mode: str, n_shifts: int, span: int, seed: int) -> np.ndarray:
    """Offsets into the context window: standard = ``[span//2]``; robust = K i.i.d. draws in [0, span)."""
    if mode == "standard":
        return np.array([span // 2])
    if mode == "robust":
        return np.random.default_rng(seed).integers(0, span, size=n_shifts)
    raise ValueError(f"unknown CAGI mode {mode!r}")


def element_scores(table: pd.DataFrame, effect: np.ndarray) -> pd.DataFrame:
    """Per element Pearson r of measured value vs predicted effect (all variants, no confidence filter)."""
    rows = []
    for element, idx in table.groupby("element", sort=True).indices.items():
        rows.append({"element": element, "n": len(idx), "pearson": pearson(table["value"].to_numpy()[idx], np.asarray(effect)[idx])})
    return pd.DataFrame(rows)


def write_variant_windows(tables, genome_path, npz_out, table_out, context: int = 3072, log=None) -> int:
    """Read CAGI5 tables, cut ref/alt windows from ``genome_path`` (``chr`` aliases accepted)
    and write ``npz_out`` (``ref``/``alt`` uint8 codes ``(N, context)``) and ``table_out`` (TSV,
    row i = variant i). Returns N."""
    from regbench.genome.fasta import Genome
    from regbench.genome.onehot import encode_codes
    from regbench.workflow import atomic_path

    table = read_cagi(tables)
    kept, refs, alts = variant_windows(table, Genome(genome_path, aliases="chr"), context, log=log)
    with atomic_path(npz_out) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, ref=encode_codes(refs), alt=encode_codes(alts))
    with atomic_path(table_out) as tmp:
        kept.to_csv(tmp, sep="\t", index=False)
    return len(kept)
