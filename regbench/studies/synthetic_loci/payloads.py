"""Payload inputs (Brosh et al. 2023 layouts) -> the study's dataset of engineered sequences.

Inputs (spec synthetic_loci.md §2):

- Table S4 (TSV): columns ``MenDel.Name``, ``groups``, ``foldchange``, ``activity``; one row per
  clone; rows with NA in foldchange or activity are skipped; clones averaged per payload
  (``foldchange`` is read but unused, as in the authors' code).
- Payload FASTA: one record per payload, named ``MenDel.Name`` with ``~`` replaced by ``_``.
- DHS BED (4 columns, payload coordinates): ``payload_name start end DHS_label``.
- Optional measured accessibility (TSV): ``MenDel.Name``, ``DHS``, ``accessibility``.

:func:`build_dataset` replaces the reference region by each payload with
:func:`regbench.genome.engineer.replace_payload` (pad with reference flanks or centre-crop to
``seq_length``), shifts the DHS annotations, assigns payload-level CV folds (stratified by design
class, seeded) and :func:`sample_windows` draws the window offsets of the train / validation /
predict sets. Coordinates are 0-based half-open; ``dhs.tsv`` coordinates are in the
``seq_length``-bp engineered sequence.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.errors import InputError
from regbench.genome import engineer as eng

TABLE_COLUMNS = ["MenDel.Name", "groups", "foldchange", "activity"]


def fasta_name(name: str) -> str:
    """FASTA record name of a payload (``~`` -> ``_``, as in the authors' make_dataset.py)."""
    return name.replace("~", "_")


def read_table_s4(path: str | os.PathLike) -> pd.DataFrame:
    """Per-payload activity: DataFrame name, group, activity (mean over clones), n_clones, foldchange."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, None, "the Brosh et al. 2023 Table S4 TSV (set synthetic_loci.inputs.table_s4)", "no such file")
    df = pd.read_csv(path, sep="\t", dtype={"MenDel.Name": str, "groups": str}, keep_default_na=True, na_values=["NA"])
    missing = [c for c in TABLE_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(path, "header", f"columns {TABLE_COLUMNS}", f"missing {missing}")
    for col in ("foldchange", "activity"):
        bad = pd.to_numeric(df[col], errors="coerce").isna() & df[col].notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(path, f"row {i + 2} ({df['MenDel.Name'].iloc[i]})", f"a number or NA in column {col}", repr(df[col].iloc[i]))
        df[col] = pd.to_numeric(df[col], errors="coerce")
    df = df.dropna(subset=["foldchange", "activity"])
    out = (
        df.groupby("MenDel.Name", sort=False)
        .agg(group=("groups", "first"), activity=("activity", "mean"), foldchange=("foldchange", "mean"), n_clones=("activity", "size"), n_groups=("groups", "nunique"))
        .reset_index()
        .rename(columns={"MenDel.Name": "name"})
    )
    bad = out[out["n_groups"] > 1]
    if len(bad):
        raise InputError(path, bad["name"].iloc[0], "one 'groups' value per MenDel.Name", "several")
    return out.drop(columns="n_groups")


def read_fasta(path: str | os.PathLike) -> dict[str, str]:
    """Records of a (small) FASTA as name -> upper-case sequence."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, None, "the payload FASTA (set synthetic_loci.inputs.payload_fasta)", "no such file")
    out: dict[str, list[str]] = {}
    name = None
    with open(path) as fh:
        for i, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            if line.startswith(">"):
                name = line[1:].split()[0]
                if name in out:
                    raise InputError(path, f"line {i} ({name})", "unique record names", "a duplicate")
                out[name] = []
            elif name is None:
                raise InputError(path, f"line {i}", "a '>' header before sequence lines")
            else:
                out[name].append(line.upper())
    return {k: "".join(v) for k, v in out.items()}


def read_dhs_bed(path: str | os.PathLike) -> pd.DataFrame:
    """DHS annotations in payload coordinates: DataFrame payload, start, end, label."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, None, "the DHS annotation BED (set synthetic_loci.inputs.dhs_bed)", "no such file")
    rows = []
    with open(path) as fh:
        for i, line in enumerate(fh, 1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            p = line.rstrip("\n").split("\t")
            if len(p) < 4 or not p[1].isdigit() or not p[2].isdigit() or int(p[2]) <= int(p[1]):
                raise InputError(path, f"line {i}", "4 columns payload_name, start, end (> start), DHS_label", line.strip()[:80])
            rows.append((p[0], int(p[1]), int(p[2]), p[3]))
    return pd.DataFrame(rows, columns=["payload", "start", "end", "label"])


def read_accessibility(path: str | os.PathLike | None) -> pd.DataFrame | None:
    """Measured accessibility per DHS per payload (name, label, accessibility), or None."""
    if not path:
        return None
    path = Path(path)
    if not path.exists():
        raise InputError(path, None, "the measured DHS accessibility TSV (MenDel.Name, DHS, accessibility)", "no such file")
    df = pd.read_csv(path, sep="\t")
    need = ["MenDel.Name", "DHS", "accessibility"]
    if [c for c in need if c not in df.columns]:
        raise InputError(path, "header", f"columns {need}", str(list(df.columns)))
    df = df.groupby(["MenDel.Name", "DHS"], sort=False, as_index=False)["accessibility"].mean()
    return df.rename(columns={"MenDel.Name": "name", "DHS": "label"})


def assign_folds(classes: pd.Series, n_folds: int, seed: int) -> np.ndarray:
    """Payload-level folds 0..n_folds-1, stratified by class: payloads of each class are shuffled
    (seeded) and dealt round-robin, continuing the deal across classes so fold sizes differ by <= 1."""
    rng = np.random.default_rng(seed)
    folds = np.zeros(len(classes), dtype=int)
    k = 0
    for cls in sorted(classes.unique()):
        idx = np.flatnonzero(classes.to_numpy() == cls)
        for i in rng.permutation(idx):
            folds[i] = k % n_folds
            k += 1
    return folds


def build_dataset(
    genome,
    table: pd.DataFrame,
    payloads: dict[str, str],
    dhs: pd.DataFrame,
    region: dict,
    seq_length: int,
    class_map: dict[str, str],
    n_folds: int,
    seed: int,
    files: dict[str, str] | None = None,
    log=None,
) -> tuple[pd.DataFrame, dict[str, str], pd.DataFrame]:
    """Engineered sequences of every payload of ``table``.

    Returns (dataset, sequences, dhs_out): dataset has one row per payload (name, record, group,
    class, activity, n_clones, fold, payload_length, offset, n_dhs, dropped); sequences maps name ->
    ``seq_length``-bp sequence; dhs_out has name, label, start, end in sequence coordinates.
    """
    files = files or {}
    rows, seqs, dhs_rows = [], {}, []
    for r in table.itertuples(index=False):
        rec = fasta_name(r.name)
        if rec not in payloads:
            raise InputError(files.get("payload_fasta", "<payload FASTA>"), rec, f"a record for Table S4 payload {r.name}", "none")
        if r.group not in class_map:
            raise InputError(files.get("table_s4", "<Table S4>"), r.name, f"a 'groups' value listed in synthetic_loci.class_map {sorted(class_map)}", repr(r.group))
        ann = dhs[dhs["payload"] == rec][["label", "start", "end"]]
        n = len(payloads[rec])
        if len(ann) and (ann["end"] > n).any():
            raise InputError(files.get("dhs_bed", "<DHS BED>"), rec, f"DHS intervals inside the payload (length {n})", f"end {int(ann['end'].max())}")
        e = eng.replace_payload(genome, region["chrom"], int(region["start"]), int(region["end"]), payloads[rec], seq_length, ann)
        if e.dropped and log is not None:
            log.info("payload %s: dropout sites %s (outside the %d-bp sequence)", r.name, e.dropped, seq_length)
        seqs[r.name] = e.sequence
        for a in e.annotations.itertuples(index=False):
            dhs_rows.append({"name": r.name, "label": a.label, "start": int(a.start), "end": int(a.end)})
        rows.append(
            {
                "name": r.name,
                "record": rec,
                "group": r.group,
                "class": class_map[r.group],
                "activity": float(r.activity),
                "n_clones": int(r.n_clones),
                "payload_length": n,
                "offset": e.offset,
                "n_dhs": len(e.annotations),
                "dropped": ",".join(e.dropped),
            }
        )
    ds = pd.DataFrame(rows)
    ds["fold"] = assign_folds(ds["class"], n_folds, seed) if len(ds) else []
    return ds, seqs, pd.DataFrame(dhs_rows, columns=["name", "label", "start", "end"])


def sample_windows(dataset: pd.DataFrame, seq_length: int, window: int, sets: dict[str, dict], stride: int = 1) -> pd.DataFrame:
    """Window offsets per payload for each set: ``sets = {"train": {"n_windows": 48, "seed": 4200}, ...}``.

    One generator per set (seeded), drawn payload by payload in table order. Returns DataFrame
    name, set, window (index within payload and set), offset.
    """
    rows = []
    for set_name, spec in sets.items():
        rng = np.random.default_rng(int(spec["seed"]))
        for name in dataset["name"]:
            offs = eng.window_offsets(seq_length, window, int(spec["n_windows"]), rng, stride=stride)
            rows += [{"name": name, "set": set_name, "window": i, "offset": int(o)} for i, o in enumerate(offs)]
    return pd.DataFrame(rows, columns=["name", "set", "window", "offset"])


def write_dataset(outdir: str | os.PathLike, dataset: pd.DataFrame, seqs: dict[str, str], dhs: pd.DataFrame, windows: pd.DataFrame) -> None:
    """Write payloads.tsv, sequences.tsv (name, sequence), dhs.tsv and windows.tsv into ``outdir``."""
    from regbench.workflow import atomic_path

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for fname, df in [
        ("payloads.tsv", dataset),
        ("dhs.tsv", dhs),
        ("windows.tsv", windows),
        ("sequences.tsv", pd.DataFrame({"name": list(seqs), "sequence": list(seqs.values())})),
    ]:
        with atomic_path(outdir / fname) as tmp:
            df.to_csv(tmp, sep="\t", index=False)


def read_dataset(d: str | os.PathLike) -> tuple[pd.DataFrame, dict[str, str], pd.DataFrame, pd.DataFrame]:
    d = Path(d)
    ds = pd.read_csv(d / "payloads.tsv", sep="\t", keep_default_na=False, na_values=[""])
    seqs = pd.read_csv(d / "sequences.tsv", sep="\t")
    dhs = pd.read_csv(d / "dhs.tsv", sep="\t")
    win = pd.read_csv(d / "windows.tsv", sep="\t")
    return ds, dict(zip(seqs["name"], seqs["sequence"])), dhs, win


def run_build_dataset(genome_path, table_s4, payload_fasta, dhs_bed, outdir, region, seq_length, window, class_map, n_folds, seed, sets, stride=1, log=None):
    """Rule entry: read the inputs, build the dataset and the window offsets, write ``outdir``."""
    from regbench.genome.fasta import Genome

    genome = Genome(genome_path)
    table = read_table_s4(table_s4)
    ds, seqs, dhs = build_dataset(
        genome, table, read_fasta(payload_fasta), read_dhs_bed(dhs_bed), region, seq_length, class_map, n_folds, seed,
        files={"table_s4": str(table_s4), "payload_fasta": str(payload_fasta), "dhs_bed": str(dhs_bed)}, log=log,
    )
    win = sample_windows(ds, seq_length, window, sets, stride)
    write_dataset(outdir, ds, seqs, dhs, win)
    if log is not None:
        log.info("dataset: %d payloads, classes %s, %d windows", len(ds), ds["class"].value_counts().to_dict(), len(win))
    return ds
