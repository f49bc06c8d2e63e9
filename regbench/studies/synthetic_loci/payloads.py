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
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.errors import InputError
from regbench.genome import engineer as eng

def fasta_name(name: str) -> str:
    """FASTA record name of a payload (``~`` -> ``_``, as in the authors' make_dataset.py)."""
    return name.replace("~", "_")


def _raise(problems) -> None:
    if problems:
        from regbench.studies.synthetic_loci.contract import ContractError

        raise ContractError(problems)


def read_table_s4(path: str | os.PathLike) -> pd.DataFrame:
    """Per-payload activity: DataFrame name, group, activity (mean over clones), foldchange, n_clones
    (checks: :func:`regbench.studies.synthetic_loci.contract.check_table_s4`)."""
    from regbench.studies.synthetic_loci.contract import check_table_s4

    table, probs = check_table_s4(path)
    _raise(probs)
    return table


def read_fasta(path: str | os.PathLike) -> dict[str, str]:
    """Records of a (small) FASTA as name -> upper-case sequence (checked first by
    :func:`regbench.studies.synthetic_loci.contract.check_payload_fasta`)."""
    from regbench.studies.synthetic_loci.contract import check_payload_fasta

    _raise(check_payload_fasta(path)[1])
    out: dict[str, list[str]] = {}
    with open(path) as fh:
        for line in fh:
            line = line.strip()
            if line.startswith(">"):
                name = line[1:].split()[0]
                out[name] = []
            elif line:
                out[name].append(line.upper())
    return {k: "".join(v) for k, v in out.items()}


class PayloadFasta(Mapping):
    """Read-only mapping record name -> upper-case sequence over a FASTA, without holding the
    sequences: one pass (after :func:`~regbench.studies.synthetic_loci.contract.check_payload_fasta`)
    records each record's byte range; a look-up reads that record only. ``lengths`` holds the
    record lengths."""

    def __init__(self, path: str | os.PathLike):
        from regbench.studies.synthetic_loci.contract import check_payload_fasta

        self.path = Path(path)
        self.lengths, probs = check_payload_fasta(path)
        _raise(probs)
        self._range: dict[str, tuple[int, int]] = {}
        name, start, pos = None, 0, 0
        with open(self.path, "rb") as fh:
            for line in fh:
                if line.startswith(b">"):
                    if name is not None:
                        self._range[name] = (start, pos)
                    name, start = line[1:].split()[0].decode(), pos + len(line)
                pos += len(line)
        if name is not None:
            self._range[name] = (start, pos)

    def __getitem__(self, name: str) -> str:
        a, b = self._range[name]
        with open(self.path, "rb") as fh:
            fh.seek(a)
            return fh.read(b - a).decode().replace("\n", "").replace("\r", "").replace(" ", "").upper()

    def __iter__(self):
        return iter(self._range)

    def __len__(self) -> int:
        return len(self._range)


class SequenceTable(Mapping):
    """Read-only mapping payload name -> engineered sequence over ``sequences.tsv`` (name, sequence)
    without holding the sequences (byte offsets of the rows; one row read per look-up)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._off: dict[str, int] = {}
        with open(self.path, "rb") as fh:
            header = fh.readline()
            if header.rstrip(b"\r\n").split(b"\t")[:2] != [b"name", b"sequence"]:
                raise InputError(self.path, "header", "columns name, sequence", header[:40].decode(errors="replace"))
            pos = len(header)
            for line in fh:
                self._off[line.split(b"\t", 1)[0].decode()] = pos
                pos += len(line)

    def __getitem__(self, name: str) -> str:
        with open(self.path, "rb") as fh:
            fh.seek(self._off[name])
            return fh.readline().rstrip(b"\r\n").split(b"\t", 1)[1].decode()

    def __iter__(self):
        return iter(self._off)

    def __len__(self) -> int:
        return len(self._off)


def read_dhs_bed(path: str | os.PathLike) -> pd.DataFrame:
    """DHS annotations in payload coordinates: DataFrame payload, start, end, label
    (checks: :func:`regbench.studies.synthetic_loci.contract.check_dhs_bed`)."""
    from regbench.studies.synthetic_loci.contract import check_dhs_bed

    dhs, probs = check_dhs_bed(path)
    _raise(probs)
    return dhs


def read_accessibility(path: str | os.PathLike | None) -> pd.DataFrame | None:
    """Measured accessibility per DHS per payload (name, label, accessibility), or None
    (checks: :func:`regbench.studies.synthetic_loci.contract.check_accessibility`)."""
    from regbench.studies.synthetic_loci.contract import check_accessibility

    acc, probs = check_accessibility(path)
    _raise(probs)
    return acc


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
    sink=None,
) -> tuple[pd.DataFrame, dict[str, str], pd.DataFrame]:
    """Engineered sequences of every payload of ``table``.

    ``payloads``: record name -> payload sequence (a dict or a lazy :class:`PayloadFasta`).
    Returns (dataset, sequences, dhs_out): dataset has one row per payload (name, record, group,
    class, activity, n_clones, fold, payload_length, offset, n_dhs, dropped); sequences maps name ->
    ``seq_length``-bp sequence; dhs_out has name, label, start, end in sequence coordinates.
    With ``sink(name, sequence)`` each sequence is handed over as it is made and ``sequences`` stays
    empty (memory set by one payload, not by their number).
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
        payload = payloads[rec]
        n = len(payload)
        if len(ann) and (ann["end"] > n).any():
            raise InputError(files.get("dhs_bed", "<DHS BED>"), rec, f"DHS intervals inside the payload (length {n})", f"end {int(ann['end'].max())}")
        e = eng.replace_payload(genome, region["chrom"], int(region["start"]), int(region["end"]), payload, seq_length, ann)
        if e.dropped and log is not None:
            log.info("payload %s: dropout sites %s (outside the %d-bp sequence)", r.name, e.dropped, seq_length)
        if sink is None:
            seqs[r.name] = e.sequence
        else:
            sink(r.name, e.sequence)
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


def split_payloads(ds: pd.DataFrame, split: str) -> tuple[list[str], list[str]]:
    """(training payload names, held-out payload names) of a split ``authors`` or ``fold<k>``."""
    if split == "authors":
        return list(ds["name"]), []
    if split.startswith("fold") and split[4:].isdigit():
        k = int(split[4:])
        if k not in set(ds["fold"]):
            raise ValueError(f"split {split}: no payload in fold {k} (folds {sorted(set(ds['fold']))})")
        return list(ds.loc[ds["fold"] != k, "name"]), list(ds.loc[ds["fold"] == k, "name"])
    raise ValueError(f"split must be 'authors' or 'fold<k>', got {split!r}")


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


def read_tables(d: str | os.PathLike) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(payloads, dhs, windows) tables of a dataset directory (sequences: :class:`SequenceTable`)."""
    d = Path(d)
    ds = pd.read_csv(d / "payloads.tsv", sep="\t", keep_default_na=False, na_values=[""])
    return ds, pd.read_csv(d / "dhs.tsv", sep="\t"), pd.read_csv(d / "windows.tsv", sep="\t")


def read_dataset(d: str | os.PathLike) -> tuple[pd.DataFrame, dict[str, str], pd.DataFrame, pd.DataFrame]:
    d = Path(d)
    ds = pd.read_csv(d / "payloads.tsv", sep="\t", keep_default_na=False, na_values=[""])
    seqs = pd.read_csv(d / "sequences.tsv", sep="\t")
    dhs = pd.read_csv(d / "dhs.tsv", sep="\t")
    win = pd.read_csv(d / "windows.tsv", sep="\t")
    return ds, dict(zip(seqs["name"], seqs["sequence"])), dhs, win


def run_build_dataset(genome_path, table_s4, payload_fasta, dhs_bed, outdir, region, seq_length, window, class_map, n_folds, seed, sets, stride=1, log=None):
    """Rule entry: read the inputs, build the dataset and the window offsets, write ``outdir``.

    Streams the payloads: the FASTA is read one record at a time (:class:`PayloadFasta`) and each
    engineered sequence is appended to ``sequences.tsv`` as it is made.
    """
    from regbench.genome.fasta import Genome
    from regbench.workflow import atomic_path

    genome = Genome(genome_path)
    table = read_table_s4(table_s4)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    with atomic_path(outdir / "sequences.tsv") as tmp, open(tmp, "w") as fh:
        fh.write("name\tsequence\n")
        ds, _, dhs = build_dataset(
            genome, table, PayloadFasta(payload_fasta), read_dhs_bed(dhs_bed), region, seq_length, class_map, n_folds, seed,
            files={"table_s4": str(table_s4), "payload_fasta": str(payload_fasta), "dhs_bed": str(dhs_bed)}, log=log,
            sink=lambda name, seq: fh.write(f"{name}\t{seq}\n"),
        )
        fh.flush()
        win = sample_windows(ds, seq_length, window, sets, stride)
        for fname, df in [("payloads.tsv", ds), ("dhs.tsv", dhs), ("windows.tsv", win)]:
            with atomic_path(outdir / fname) as t2:
                df.to_csv(t2, sep="\t", index=False)
    if log is not None:
        log.info("dataset: %d payloads, classes %s, %d windows", len(ds), ds["class"].value_counts().to_dict(), len(win))
    return ds
