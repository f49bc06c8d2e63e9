"""Input contract of the synthetic_loci study: where each user-supplied file comes from, its layout,
and one validator that checks them all before any GPU job runs.

The payload data of Brosh et al. 2023 (*Mol Cell* 83:1140, doi 10.1016/j.molcel.2023.02.027) are
not distributed as files; the authors' code (mauranolab/finetune-enformer ``src/data/make_dataset.py``)
reads them in these layouts (spec synthetic_loci.md §2):

=================  ==========================================================================================
file (config key)  layout
=================  ==========================================================================================
``table_s4``       Brosh 2023 Table S4 as TSV with a header; columns ``MenDel.Name`` (payload name),
                   ``groups`` (design class label; the authors' README says ``group`` but the code reads
                   ``groups``), ``foldchange`` (read, unused), ``activity`` (Sox2 expression of the
                   engineered allele; the authors average it over clones). One row per clone; ``NA``
                   in ``foldchange``/``activity`` = clone skipped.
``payload_fasta``  FASTA, one record per payload, record name = ``MenDel.Name`` with ``~`` -> ``_``;
                   bases A/C/G/T/N (upper or lower case).
``dhs_bed``        4-column BED **in payload coordinates** (0-based half-open): ``payload_name start
                   end DHS_label`` (``payload_name`` = the FASTA record name).
``accessibility``  optional TSV with a header: ``MenDel.Name``, ``DHS`` (a label of ``dhs_bed`` for that
                   payload), ``accessibility`` (measured signal; replicates averaged).
``retained_regions``  BED of held-out mm10 regions (``chrom start end [fold]``), e.g. Basenji's mouse
                   ``sequences.bed`` (4th column ``train|valid|test``; the ``retained.fold`` rows are kept).
=================  ==========================================================================================

:func:`validate_inputs` checks every file against the contract and against each other (payload names
of Table S4 without a FASTA record, BED intervals outside their payload, unknown class labels with
the list of known ones, accessibility rows for unannotated DHSs, regions off the genome, the Sox2
region missing from the genome) and raises :class:`ContractError` listing **every** problem, each
naming file, record and expectation. Without problems it returns a summary table (one row per
file: records, classes, payloads...), written by the rule ``synthetic_loci_inputs``.
"""

from __future__ import annotations

import gzip
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.errors import InputError

TABLE_COLUMNS = ["MenDel.Name", "groups", "foldchange", "activity"]
ACCESSIBILITY_COLUMNS = ["MenDel.Name", "DHS", "accessibility"]
DESIGN_CLASSES = ("reference", "deletion", "combination", "tfsite", "inversion", "rearrangement")
_BASES = re.compile(r"[^ACGTNacgtn]")

#: config key -> (source, layout) of every user-supplied file (README and contract.tsv)
SOURCES = {
    "table_s4": ("Brosh et al. 2023 Mol Cell, Table S4 (supplement, doi 10.1016/j.molcel.2023.02.027)",
                 "TSV: MenDel.Name, groups, foldchange, activity; one row per clone"),
    "payload_fasta": ("Brosh et al. 2023 payload sequences (Maurano lab; check Zenodo 10.5281/zenodo.13363228)",
                      "FASTA: one record per payload named MenDel.Name with ~ -> _"),
    "dhs_bed": ("Maurano lab Sox2_DistalLCR.bed (annotated LCR DHSs of each payload)",
                "BED4 in payload coordinates: payload_name start end DHS_label"),
    "accessibility": ("measured DNase/ATAC per DHS of each engineered clone (Brosh et al. 2023; optional)",
                      "TSV: MenDel.Name, DHS, accessibility"),
    "retained_regions": ("held-out mm10 regions: Basenji mouse sequences.bed (test fold) or random mappable blocks",
                         "BED: chrom start end [fold]"),
}


@dataclass(frozen=True)
class Problem:
    file: str
    record: str | None
    expected: str
    found: str | None = None

    def __str__(self) -> str:
        return str(InputError(self.file, self.record, self.expected, self.found))


class ContractError(InputError):
    """One or more inputs break the contract; ``problems`` lists them all (the message too)."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        first = self.problems[0]
        super().__init__(first.file, first.record, first.expected, first.found)
        if len(self.problems) > 1:
            more = "\n".join(f"  - {p}" for p in self.problems[1:])
            self.args = (f"{self.args[0]}\n{len(self.problems) - 1} more input problem(s):\n{more}",)


def _open(path: Path):
    return gzip.open(path, "rt") if str(path).endswith(".gz") else open(path)


#: path -> how to obtain it (config synthetic_loci.user_files), set by :func:`validate_inputs`
_USER_FILES: dict[str, str] = {}


def _missing(path, key: str) -> Problem | None:
    if not path:
        return Problem(f"config synthetic_loci.inputs.{key}", None, f"a path ({SOURCES[key][1]})", "empty")
    if not Path(path).exists():
        how = _USER_FILES.get(str(path))
        if how:
            return Problem(str(path), None, f"a user-provided file: {how}", "no such file")
        return Problem(str(path), None, f"{SOURCES[key][1]} from {SOURCES[key][0]} (set synthetic_loci.inputs.{key})", "no such file")
    return None


# --------------------------------------------------------------------------------------------------
# single files


def check_table_s4(path, class_map: dict[str, str] | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Table S4 -> (per-payload table name, group, activity, foldchange, n_clones | None, problems).

    Clones (rows) of one ``MenDel.Name`` are averaged after dropping rows with NA in ``foldchange``
    or ``activity`` (the authors' make_dataset.py). Problems: missing file or columns, non-numeric
    values, several ``groups`` for one payload, labels outside ``class_map`` (listing the known ones),
    no usable row.
    """
    p = _missing(path, "table_s4")
    if p:
        return None, [p]
    f = str(path)
    try:
        df = pd.read_csv(path, sep="\t", dtype={"MenDel.Name": str, "groups": str}, keep_default_na=True, na_values=["NA"])
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        return None, [Problem(f, None, "a tab-separated table with a header", f"{type(e).__name__}: {str(e).splitlines()[0][:80]}")]
    missing = [c for c in TABLE_COLUMNS if c not in df.columns]
    if missing:
        hint = " (the authors' README calls it 'group'; their code reads 'groups')" if "groups" in missing and "group" in df.columns else ""
        return None, [Problem(f, "header", f"columns {TABLE_COLUMNS}{hint}", f"missing {missing} in {list(df.columns)}")]
    probs: list[Problem] = []
    for col in ("foldchange", "activity"):
        num = pd.to_numeric(df[col], errors="coerce")
        for i in np.flatnonzero((num.isna() & df[col].notna()).to_numpy())[:5]:
            probs.append(Problem(f, f"row {i + 2} ({df['MenDel.Name'].iloc[i]})", f"a number or NA in column {col}", repr(df[col].iloc[i])))
        df[col] = num
    for i in np.flatnonzero(df["MenDel.Name"].isna().to_numpy())[:5]:
        probs.append(Problem(f, f"row {i + 2}", "a payload name in column MenDel.Name", "empty"))
    df = df.dropna(subset=["MenDel.Name", "foldchange", "activity"])
    if probs:
        return None, probs
    if not len(df):
        return None, [Problem(f, None, "at least one clone with numeric foldchange and activity", "none (all NA)")]
    out = (
        df.groupby("MenDel.Name", sort=False)
        .agg(group=("groups", "first"), activity=("activity", "mean"), foldchange=("foldchange", "mean"),
             n_clones=("activity", "size"), n_groups=("groups", "nunique"), groups=("groups", lambda s: sorted(set(map(str, s)))))
        .reset_index()
        .rename(columns={"MenDel.Name": "name"})
    )
    for r in out[out["n_groups"] > 1].itertuples(index=False):
        probs.append(Problem(f, r.name, "one 'groups' value per MenDel.Name", f"{r.groups}"))
    if class_map is not None:
        known = sorted(class_map)
        for g, sub in out.groupby("group", sort=False):
            if g not in class_map:
                names = list(sub["name"])
                probs.append(Problem(f, f"{names[0]}" + (f" (+{len(names) - 1} more)" if len(names) > 1 else ""),
                                     f"a 'groups' label listed in synthetic_loci.class_map {known}", repr(g)))
    return out.drop(columns=["n_groups", "groups"]), probs


def check_payload_fasta(path) -> tuple[dict[str, int] | None, list[Problem]]:
    """Payload FASTA -> (record name -> length | None, problems), streaming (one line at a time).

    Problems: missing file, sequence before a header, duplicate or empty records, characters other
    than A/C/G/T/N (IUPAC codes must be replaced by N; reported once per record).
    """
    p = _missing(path, "payload_fasta")
    if p:
        return None, [p]
    f = str(path)
    lengths: dict[str, int] = {}
    probs: list[Problem] = []
    name, bad_reported = None, set()
    with _open(Path(path)) as fh:
        for i, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            if line.startswith(">"):
                name = line[1:].split()[0] if len(line) > 1 else ""
                if not name:
                    probs.append(Problem(f, f"line {i}", "a record name after '>'", "none"))
                elif name in lengths:
                    probs.append(Problem(f, f"line {i} ({name})", "unique record names", "a duplicate"))
                lengths[name] = 0
            elif name is None:
                probs.append(Problem(f, f"line {i}", "a '>' header before sequence lines", line[:40]))
                break
            else:
                m = _BASES.search(line)
                if m and name not in bad_reported:
                    bad_reported.add(name)
                    probs.append(Problem(f, f"{name} (line {i})", "only A, C, G, T, N (replace IUPAC codes by N)", repr(m.group())))
                lengths[name] += len(line)
    for n, L in lengths.items():
        if L == 0 and n:
            probs.append(Problem(f, n, "a non-empty sequence", "0 bp"))
    if not lengths and not probs:
        probs.append(Problem(f, None, "at least one FASTA record", "none"))
    return lengths, probs


def check_dhs_bed(path, lengths: dict[str, int] | None = None, fasta: str = "<payload FASTA>") -> tuple[pd.DataFrame | None, list[Problem]]:
    """DHS BED -> (DataFrame payload, start, end, label | None, problems).

    Problems: fewer than 4 columns, non-integer or empty intervals, duplicate labels within a
    payload, payload names without a FASTA record (genomic chromosome names get a hint: the BED must
    be in payload coordinates), intervals outside their payload (end > payload length).
    """
    p = _missing(path, "dhs_bed")
    if p:
        return None, [p]
    f = str(path)
    rows, probs = [], []
    with _open(Path(path)) as fh:
        for i, line in enumerate(fh, 1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            c = line.rstrip("\n\r").split("\t")
            if len(c) < 4:
                probs.append(Problem(f, f"line {i}", "4 tab-separated columns payload_name, start, end, DHS_label", f"{len(c)}: {line.strip()[:60]!r}"))
                continue
            if not (c[1].isdigit() and c[2].isdigit()) or int(c[2]) <= int(c[1]):
                probs.append(Problem(f, f"line {i} ({c[0]} {c[3]})", "integer 0 <= start < end", f"start={c[1]!r} end={c[2]!r}"))
                continue
            rows.append((c[0], int(c[1]), int(c[2]), c[3], i))
    df = pd.DataFrame(rows, columns=["payload", "start", "end", "label", "line"])
    for (pl, lab), g in df.groupby(["payload", "label"], sort=False):
        if len(g) > 1:
            probs.append(Problem(f, f"line {int(g['line'].iloc[1])} ({pl} {lab})", "one interval per DHS label and payload", f"{len(g)} intervals"))
    if lengths is not None:
        unknown = [pl for pl in dict.fromkeys(df["payload"]) if pl not in lengths]
        for pl in unknown[:10]:
            hint = " (the BED must be in payload coordinates, not genomic ones)" if re.match(r"^chr[0-9XYM]+$", pl) else ""
            probs.append(Problem(f, f"line {int(df.loc[df['payload'] == pl, 'line'].iloc[0])} ({pl})", f"a payload name with a record in {fasta}{hint}", "no such record"))
        known = df[df["payload"].isin(list(lengths))]
        over = known[known["end"] > known["payload"].map(lengths)]
        for r in over.head(10).itertuples(index=False):
            probs.append(Problem(f, f"line {r.line} ({r.payload} {r.label})", f"an interval inside the payload [0, {lengths[r.payload]})", f"end {r.end}"))
    return df.drop(columns="line"), probs


def check_accessibility(path, names: list[str] | None = None, dhs: pd.DataFrame | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Measured accessibility TSV -> (DataFrame name, label, accessibility (mean over rows) | None, problems).

    ``names``: Table S4 payload names; ``dhs``: the DHS BED table (payload = FASTA record name).
    """
    if not path:
        return None, []
    p = _missing(path, "accessibility")
    if p:
        return None, [p]
    f = str(path)
    df = pd.read_csv(path, sep="\t", dtype={"MenDel.Name": str, "DHS": str})
    missing = [c for c in ACCESSIBILITY_COLUMNS if c not in df.columns]
    if missing:
        return None, [Problem(f, "header", f"columns {ACCESSIBILITY_COLUMNS}", f"missing {missing} in {list(df.columns)}")]
    probs = []
    num = pd.to_numeric(df["accessibility"], errors="coerce")
    for i in np.flatnonzero((num.isna() & df["accessibility"].notna()).to_numpy())[:5]:
        probs.append(Problem(f, f"row {i + 2} ({df['MenDel.Name'].iloc[i]} {df['DHS'].iloc[i]})", "a number in column accessibility", repr(df["accessibility"].iloc[i])))
    df["accessibility"] = num
    if names is not None:
        known = set(names)
        for n in [n for n in dict.fromkeys(df["MenDel.Name"]) if n not in known][:10]:
            probs.append(Problem(f, f"row {int(np.flatnonzero((df['MenDel.Name'] == n).to_numpy())[0]) + 2} ({n})", "a MenDel.Name of Table S4", "not in Table S4"))
    if dhs is not None:
        ann = set(zip(dhs["payload"], dhs["label"]))
        for i, (n, lab) in enumerate(zip(df["MenDel.Name"], df["DHS"])):
            if names is not None and n not in set(names):
                continue
            if (str(n).replace("~", "_"), lab) not in ann:
                probs.append(Problem(f, f"row {i + 2} ({n} {lab})", "a DHS label annotated for that payload in the DHS BED", "not annotated"))
                if sum(1 for q in probs if "not annotated" == q.found) >= 10:
                    break
    out = df.groupby(["MenDel.Name", "DHS"], sort=False, as_index=False)["accessibility"].mean()
    return out.rename(columns={"MenDel.Name": "name", "DHS": "label"}), probs


def check_genome_region(chrom_sizes: dict[str, int], genome_path, region: dict, fetch=None) -> list[Problem]:
    """The replaced region must lie on the genome and hold sequence (not only N: wrong assembly)."""
    c, s, e = region["chrom"], int(region["start"]), int(region["end"])
    if c not in chrom_sizes:
        return [Problem(str(genome_path), c, f"the chromosome of synthetic_loci.region {c}:{s}-{e}", f"chromosomes {sorted(chrom_sizes)[:8]}...")]
    if e > chrom_sizes[c] or s >= e:
        return [Problem(str(genome_path), f"{c}:{s}-{e}", f"synthetic_loci.region inside {c} (length {chrom_sizes[c]})", "outside")]
    if fetch is not None:
        seq = fetch(c, s, e)
        if seq.count("N") == len(seq):
            return [Problem(str(genome_path), f"{c}:{s}-{e}", "sequence at the replaced region (mm10 chr3:34,732,778-34,772,706 for the Sox2 LCR)", "only N (wrong assembly?)")]
    return []


def check_regions(path, chrom_sizes: dict[str, int] | None, fold: str | None = None, window: int | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Held-out regions BED -> (DataFrame chrom, start, end[, name] of the kept rows | None, problems).

    With ``fold`` the 4th column must hold it in some rows (Basenji sequences.bed: train/valid/test)
    and only those rows are kept. Regions must lie on the genome; with ``window`` the window centred
    on each region must too (the reference is N-padded beyond chromosome ends, but a region on a
    contig the genome lacks is an error).
    """
    from regbench.genome.intervals import read_bed

    p = _missing(path, "retained_regions")
    if p:
        return None, [p]
    f = str(path)
    try:
        df = read_bed(path)
    except InputError as e:
        return None, [Problem(e.file, e.record, e.expected, e.found)]
    if not len(df):
        return None, [Problem(f, None, "at least one region", "none")]
    probs = []
    if fold:
        if "name" not in df.columns:
            return None, [Problem(f, "line 1", f"a 4th column with the fold label (retained.fold = {fold!r})", "3 columns")]
        folds = sorted(set(df["name"].astype(str)))
        df = df[df["name"].astype(str) == fold]
        if not len(df):
            return None, [Problem(f, None, f"rows of fold {fold!r} (synthetic_loci.retained.fold)", f"folds {folds[:10]}")]
    if chrom_sizes is not None:
        off = [c for c in dict.fromkeys(df["chrom"]) if c not in chrom_sizes]
        for c in off[:5]:
            probs.append(Problem(f, c, f"a chromosome of the genome ({len(chrom_sizes)} sequences)", "not in the genome"))
        on = df[df["chrom"].isin(list(chrom_sizes))]
        beyond = on[on["end"] > on["chrom"].map(chrom_sizes)]
        for r in beyond.head(5).itertuples(index=False):
            probs.append(Problem(f, f"{r.chrom}:{r.start}-{r.end}", f"a region inside {r.chrom} (length {chrom_sizes[r.chrom]})", "beyond the end"))
    return df.reset_index(drop=True), probs


def check_cage_tracks(tracks: dict[str, dict]) -> list[Problem]:
    """CAGE head track specs (config synthetic_loci.cage.tracks): identifier -> {file, clip, scale,
    sum_stat} as in the authors' tracks.tsv; each file must exist and be a bigWig."""
    probs = []
    for ident, t in tracks.items():
        fp = t.get("file")
        if not fp or not Path(fp).exists():
            how = _USER_FILES.get(str(fp))
            probs.append(Problem(str(fp), ident, f"a user-provided file: {how}" if how else "a bigWig of the CAGE track (synthetic_loci.cage.tracks)", "no such file"))
            continue
        with open(fp, "rb") as fh:
            magic = fh.read(4)
        if magic not in (b"\x26\xfc\x8f\x88", b"\x88\x8f\xfc\x26"):
            probs.append(Problem(str(fp), ident, "a bigWig file (magic 0x888FFC26)", f"first bytes {magic!r}"))
    return probs


# --------------------------------------------------------------------------------------------------
# all together


def validate_inputs(
    table_s4,
    payload_fasta,
    dhs_bed,
    class_map: dict[str, str],
    accessibility=None,
    retained_regions=None,
    genome=None,
    region: dict | None = None,
    retained_fold: str | None = None,
    cage_tracks: dict[str, dict] | None = None,
    user_files: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Check every user-supplied input (see module docstring); raise :class:`ContractError` with all
    problems, or return the summary table (columns input, path, status, records, detail, source, layout).

    ``genome``: a :class:`regbench.genome.fasta.Genome` (or None to skip the genome checks);
    ``user_files``: path -> how to obtain it (a missing one is reported with that message).
    """
    _USER_FILES.clear()
    _USER_FILES.update(user_files or {})
    probs: list[Problem] = []
    rows = []
    table, p = check_table_s4(table_s4, class_map)
    probs += p
    lengths, p = check_payload_fasta(payload_fasta)
    probs += p
    dhs, p = check_dhs_bed(dhs_bed, lengths, fasta=str(payload_fasta))
    probs += p
    if table is not None and lengths is not None:
        recs = set(lengths)
        for r in table.itertuples(index=False):
            rec = r.name.replace("~", "_")
            if rec not in recs:
                close = [n for n in recs if n.lower() == rec.lower() or n.replace("_", "~") == r.name or n == r.name]
                hint = f"; close: {close[:3]} ('~' must be written '_')" if close else ""
                probs.append(Problem(str(payload_fasta), rec, f"a record for Table S4 payload {r.name}{hint}", "none"))
    if table is not None:
        dist = table["group"].map(class_map).value_counts().to_dict() if class_map else {}
        rows.append(("table_s4", table_s4, len(table), f"{int(table['n_clones'].sum())} clones; classes {dist}"))
    if lengths is not None:
        rows.append(("payload_fasta", payload_fasta, len(lengths), f"lengths {min(lengths.values(), default=0)}-{max(lengths.values(), default=0)} bp"))
    if dhs is not None:
        rows.append(("dhs_bed", dhs_bed, len(dhs), f"{dhs['payload'].nunique()} payloads, labels {sorted(set(dhs['label']))[:12]}"))
    names = list(table["name"]) if table is not None else None
    acc, p = check_accessibility(accessibility, names, dhs)
    probs += p
    rows.append(("accessibility", accessibility or "", 0 if acc is None else len(acc),
                 "not given: the accessibility correlation panel is skipped" if not accessibility else f"{0 if acc is None else acc['name'].nunique()} payloads"))
    sizes = genome.chrom_sizes if genome is not None else None
    if genome is not None and region is not None:
        probs += check_genome_region(sizes, getattr(genome, "path", "<genome>"), region, genome.fetch)
    if retained_regions is not None:
        reg, p = check_regions(retained_regions, sizes, retained_fold)
        probs += p
        rows.append(("retained_regions", retained_regions, 0 if reg is None else len(reg), f"fold {retained_fold!r}" if retained_fold else "all rows"))
    if cage_tracks:
        probs += check_cage_tracks(cage_tracks)
        for ident, t in cage_tracks.items():
            rows.append((f"cage:{ident}", t.get("file", ""), 1, f"clip {t.get('clip')} scale {t.get('scale')} {t.get('sum_stat')}"))
    if probs:
        raise ContractError(probs)
    out = pd.DataFrame(rows, columns=["input", "path", "records", "detail"])
    out.insert(2, "status", "ok")
    out["source"] = [SOURCES.get(k, ("authors' tracks.tsv (mESC CAGE)", ""))[0] for k in out["input"].str.split(":").str[0]]
    out["layout"] = [SOURCES.get(k, ("", "bigWig; clip, scale, sum_stat per 128-bp bin"))[1] for k in out["input"].str.split(":").str[0]]
    return out


def run_validate(inputs: dict, cfg: dict, out_tsv, log=None) -> pd.DataFrame:
    """Rule entry (synthetic_loci_inputs): validate and write the contract summary TSV.

    Paths come from ``cfg["inputs"]`` (and ``cfg["cage"]["tracks"]``), so a user file that is
    missing (left out of the rule's inputs) is reported here with its ``user_files`` message,
    together with every other problem; ``inputs`` may override them (tests)."""
    from regbench.genome.fasta import Genome
    from regbench.workflow import atomic_path

    paths = {**cfg.get("inputs", {}), **inputs}
    genome = Genome(paths["genome"]) if paths.get("genome") and Path(paths["genome"]).exists() else None
    ret = cfg.get("retained", {})
    cage = cfg.get("cage", {})
    tracks = {k: {**v, "file": inputs.get(f"cage_{k}", v.get("file"))} for k, v in cage.get("tracks", {}).items()} if cage.get("enabled") else None
    summary = validate_inputs(
        paths["table_s4"], paths["payload_fasta"], paths["dhs_bed"], cfg["class_map"],
        accessibility=paths.get("accessibility") or None, retained_regions=paths.get("retained_regions"),
        genome=genome, region=cfg.get("region"), retained_fold=ret.get("fold"), cage_tracks=tracks,
        user_files=cfg.get("user_files", {}),
    )
    with atomic_path(out_tsv) as tmp:
        summary.to_csv(tmp, sep="\t", index=False)
    if log is not None:
        log.info("input contract: all inputs valid\n%s", summary[["input", "records", "detail"]].to_string(index=False))
    return summary


def zenodo_files(record_json, out_tsv=None) -> pd.DataFrame:
    """File list of a Zenodo record API answer (``https://zenodo.org/api/records/<id>``): columns
    key, size, checksum (``md5:...``), url. The authors' record 13363228 holds their fine-tuned TF2
    weights and the mESC CAGE head (README); regbench trains its own in PyTorch, so this table is
    provenance: it shows what the record holds (e.g. whether payload data were added to it)."""
    import json as _json

    from regbench.workflow import atomic_path

    p = Path(record_json)
    try:
        rec = _json.loads(p.read_text())
    except (OSError, ValueError) as e:
        raise InputError(p, None, "the JSON answer of the Zenodo records API", f"{type(e).__name__}: {e}") from None
    files = rec.get("files")
    if isinstance(files, dict):  # InvenioRDM: {"entries": {...}} or {"entries": [...]}
        files = files.get("entries", [])
        files = list(files.values()) if isinstance(files, dict) else files
    if not isinstance(files, list):
        raise InputError(p, "files", "a list of file entries (key, size, checksum, links)", type(files).__name__)
    rows = []
    for f in files:
        key = f.get("key") or f.get("filename")
        if not key:
            raise InputError(p, f"files[{len(rows)}]", "a file entry with 'key'", str(sorted(f))[:80])
        links = f.get("links", {})
        rows.append({"key": key, "size": int(f.get("size", f.get("filesize", 0)) or 0), "checksum": f.get("checksum", ""),
                     "url": links.get("content") or links.get("self") or links.get("download", "")})
    df = pd.DataFrame(rows, columns=["key", "size", "checksum", "url"])
    if out_tsv is not None:
        with atomic_path(out_tsv) as tmp:
            df.to_csv(tmp, sep="\t", index=False)
    return df
