"""Rehearsal mirror content of the synthetic_loci study (``generate(store, cfg, work) -> dict``).

Everything comes from the study's demo world (:func:`regbench.data.demo.synthetic_loci.generate`:
a mouse-like genome with planted ES-cell motifs, DNase and CAGE tracks driven by them, and the LCR
payload designs with their planted activity), moved to the paper's coordinates and written in the
real downloads' formats:

* ``genomes/mm10.fa.gz`` at the UCSC URL (plain gzip, 50-bp lines, ``md5sum.txt`` beside it via
  :func:`regbench.rehearsal.shared.put_ucsc`): ``chr1``, ``chr2``, ``chr19`` = the demo contigs;
  ``chr3`` = ``N`` up to :data:`SHIFT`, then the demo chr3, so that the demo LCR starts at the
  paper's replaced region ``chr3:34,732,778`` (the Sox2 LCR at its real coordinates; the 39,928-bp
  region holds the demo LCR and the background after it).
* the Basenji mouse ``sequences.bed`` (``chrom start end fold``): train rows on chr1/chr2 (the CAGE
  head's windows), a valid row, test rows on chr19 (retained performance, CAGE held-out).
* ENCODE mESC DNase for ``synthetic_loci.encode`` (ENCSR000CMV / ENCSR000CMW): the portal's search
  answer (``@graph`` with one released mm10 ``read-depth normalized signal`` bigWig of replicate 1
  and one rejected pooled record), the file's metadata JSON and the bigWig (demo ES-CJ7 / ES-E14
  DNase moved to mm10 coordinates), md5 as the portal lists it.
* FANTOM5 CTSS (``chrom start end name count strand``, lexicographic chromosome order as FANTOM5
  sorts) of CNhs14104 / CNhs14109 from the demo CAGE tracks (one CTSS per 10-bp step with signal,
  count = round(10 x signal), strand alternating).
* the Zenodo records API answer of 13363228 (``files`` with key, size, ``md5:`` checksum, links).
* user files (not downloads; written under ``<work>/synthetic_loci/user/`` and named by the
  overlay's ``synthetic_loci.inputs.*`` / ``cage.tracks.GSM*.file``): Brosh 2023 Table S4 TSV
  (``MenDel.Name groups foldchange activity``, clones, one NA row), the payload FASTA (records
  ``~`` -> ``_``), the DHS BED in payload coordinates, measured accessibility per DHS, and the GEO
  CAGE bigWigs GSM3852792-4, for the eight :data:`PAYLOADS` (every design class).

Returns no checksum overrides: every download here is a plain URL (the driver computes those).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.rehearsal.mirror import MirrorStore
from regbench.rehearsal.shared import download_url, fasta_bytes, gzip_bytes, put_ucsc

log_default = logging.getLogger("regbench.rehearsal.synthetic_loci")

#: the paper's replaced region starts at chr3:34,732,778 (0-based); the demo LCR at chr3:150,000
PAPER_REGION_START = 34_732_778
SHIFT = PAPER_REGION_START - 150_000
#: every design class, and 3 payloads on each side of the pooled class groups (deletions +
#: combinations; inversions + rearrangements) so their correlations are computable (demo names;
#: the tfsite one is found by prefix)
PAYLOADS = ["Sox2LCR~WT", "Sox2LCR~del_DHS2", "Sox2LCR~del_DHS4", "Sox2LCR~only_24", "Sox2LCR~mut_DHS4_", "Sox2LCR~inv_B2",
            "Sox2LCR~rea_412", "Sox2LCR~rea_214"]
#: demo track -> what it stands for in the paper configuration
ENCODE_TRACKS = {"ENCSR000CMV": "dnase_escj7.bigWig", "ENCSR000CMW": "dnase_e14.bigWig"}
FANTOM = ("CNhs14104", "CNhs14109")
GEO = ("GSM3852792", "GSM3852793", "GSM3852794")


def user_dir(work: str | os.PathLike) -> Path:
    """Where the generated user files live (the overlay points the inputs there)."""
    return Path(work) / "synthetic_loci" / "user"


def _fasta(path: Path):
    name, chunks = None, []
    with open(path) as fh:
        for line in fh:
            if line.startswith(">"):
                if name is not None:
                    yield name, "".join(chunks)
                name, chunks = line[1:].split()[0], []
            else:
                chunks.append(line.strip())
    if name is not None:
        yield name, "".join(chunks)


def mm10_sizes(world_sizes: dict[str, int]) -> dict[str, int]:
    """Chromosome sizes of the rehearsal mm10: the demo contigs, chr3 lengthened by :data:`SHIFT`."""
    return {c: n + SHIFT if c == "chr3" else n for c, n in world_sizes.items()}


def mm10_bytes(genome_fa: Path) -> bytes:
    """gzip FASTA of the rehearsal mm10 (chr3 = N * SHIFT + demo chr3; other contigs as in the demo)."""
    records = []
    for name, seq in _fasta(genome_fa):
        s = seq.encode()
        records.append((name, b"N" * SHIFT + s if name == "chr3" else s))
    order = sorted(records, key=lambda r: (r[0] != "chr3", r[0]))  # chr3 first, then the others
    return gzip_bytes(fasta_bytes(order))


def shifted_intervals(bw_path: Path) -> pd.DataFrame:
    """All intervals of a demo bigWig (chrom, start, end, value) with chr3 moved by :data:`SHIFT`."""
    import pyBigWig

    bw = pyBigWig.open(str(bw_path))
    rows = []
    try:
        for chrom, size in bw.chroms().items():
            iv = bw.intervals(chrom, 0, size) or []
            df = pd.DataFrame(iv, columns=["start", "end", "value"])
            df.insert(0, "chrom", chrom)
            if chrom == "chr3":
                df[["start", "end"]] += SHIFT
            rows.append(df)
    finally:
        bw.close()
    return pd.concat(rows, ignore_index=True)


def bigwig_bytes(intervals: pd.DataFrame, sizes: dict[str, int], tmp: Path) -> bytes:
    from regbench.genome.tracks import write_bigwig

    write_bigwig(tmp, sizes, intervals)
    return tmp.read_bytes()


def ctss_bytes(intervals: pd.DataFrame, seed: int) -> bytes:
    """FANTOM5 CTSS BED (gzip) from a CAGE-like track: one TSS per interval with signal."""
    rng = np.random.default_rng(seed)
    d = intervals[intervals["value"] > 0.05].copy()
    d["pos"] = d["start"] + (d["end"] - d["start"]) // 2
    d["count"] = np.maximum(1, np.round(d["value"] * 10)).astype(int)
    d["strand"] = np.where(rng.random(len(d)) < 0.5, "+", "-")
    d = d.sort_values(["chrom", "pos"], kind="stable")  # FANTOM5: lexicographic chromosomes
    lines = [f"{c}\t{p}\t{p + 1}\t{c}:{p}..{p + 1},{s}\t{n}\t{s}\n" for c, p, n, s in zip(d["chrom"], d["pos"], d["count"], d["strand"])]
    return gzip_bytes("".join(lines).encode())


def sequences_bed(sizes: dict[str, int]) -> bytes:
    """Basenji-style ``sequences.bed`` rows (131,072-bp regions where the contig allows)."""
    L = 131_072
    rows = [("chr1", 0, L, "train"), ("chr1", sizes["chr1"] - L, sizes["chr1"], "train"), ("chr2", 0, L, "train"),
            ("chr2", sizes["chr2"] - L, sizes["chr2"], "valid"), ("chr19", 0, sizes["chr19"] // 2, "test"),
            ("chr19", sizes["chr19"] // 2, sizes["chr19"], "test")]
    return "".join(f"{c}\t{s}\t{e}\t{f}\n" for c, s, e, f in rows).encode()


def encode_answers(store: MirrorStore, cfg: dict, experiment: str, data: bytes, k: int) -> None:
    """The ENCODE search answer, file metadata and file of one mESC DNase experiment."""
    from regbench.data.encode import FileRequest, file_url, search_url

    spec = cfg["synthetic_loci"]["encode"][experiment]
    base = spec.get("base_url") or "https://www.encodeproject.org"
    req = FileRequest(experiment, spec["kind"], int(spec["replicate"]), spec.get("assembly", "mm10"))
    acc = f"ENCFF{900 + k:03d}RHS"
    href = f"/files/{acc}/@@download/{acc}.bigWig"
    md5 = hashlib.md5(data).hexdigest()
    rec = {"accession": acc, "status": "released", "assembly": req.assembly, "output_type": req.output_type,
           "file_format": req.file_format, "biological_replicates": [req.replicate], "preferred_default": True,
           "date_created": "2020-01-01T00:00:00.000000+00:00", "md5sum": md5, "file_size": len(data), "href": href,
           "dataset": f"/experiments/{experiment}/"}
    pooled = {**rec, "accession": f"ENCFF{950 + k:03d}RHS", "biological_replicates": [1, 2], "preferred_default": False,
              "md5sum": "0" * 32, "href": f"/files/ENCFF{950 + k:03d}RHS/@@download/x.bigWig"}
    store.put(search_url(req, base), json.dumps({"@graph": [pooled, rec], "total": 2}).encode(), content_type="application/json")
    store.put(file_url(acc, base), json.dumps(rec).encode(), content_type="application/json")
    store.put(base.rstrip("/") + href, data)


def pick_payloads(names: list[str]) -> list[str]:
    out = []
    for p in PAYLOADS:
        hit = [n for n in names if n == p] or [n for n in names if n.startswith(p)]
        if not hit:
            raise RuntimeError(f"rehearsal synthetic_loci: no demo payload {p!r}")
        out.append(hit[0])
    return out


def write_user_files(pdir: Path, udir: Path, names: list[str]) -> None:
    """Table S4, payload FASTA, DHS BED and measured accessibility of ``names`` (authors' layouts)."""
    udir.mkdir(parents=True, exist_ok=True)
    recs = {n.replace("~", "_") for n in names}
    t = pd.read_csv(pdir / "table_s4.tsv", sep="\t", dtype=str, keep_default_na=False)
    t[t["MenDel.Name"].isin(names)].to_csv(udir / "Brosh2023_TableS4.tsv", sep="\t", index=False)
    with open(udir / "Brosh2023_Payload.fasta", "w") as fh:
        for name, seq in _fasta(pdir / "payloads.fa"):
            if name in recs:
                fh.write(f">{name}\n" + "".join(seq[i:i + 60] + "\n" for i in range(0, len(seq), 60)))
    bed = pd.read_csv(pdir / "dhs.bed", sep="\t", header=None)
    bed[bed[0].isin(recs)].to_csv(udir / "Sox2_DistalLCR.bed", sep="\t", header=False, index=False)
    acc = pd.read_csv(pdir / "accessibility.tsv", sep="\t")
    acc[acc["MenDel.Name"].isin(names)].to_csv(udir / "accessibility.tsv", sep="\t", index=False)


def generate(store: MirrorStore, cfg: dict, work: str | os.PathLike, log: logging.Logger | None = None) -> dict:
    """Write the study's downloads into ``store`` and its user files under :func:`user_dir`."""
    from regbench.data.demo import synthetic_loci as demo

    log = log or log_default
    seed = int(cfg.get("seed", 42))
    base = Path(work) / "synthetic_loci"
    gdir, pdir, tmp = base / "world" / "mm10", base / "world" / "payloads", base / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    truth = demo.generate(gdir, pdir, seed)
    sizes = mm10_sizes(demo.CONTIGS)

    md5 = put_ucsc(store, download_url(cfg, "genomes/mm10.fa.gz"), mm10_bytes(gdir / "genome.fa"))
    log.info("mm10.fa.gz: chr3 %d bp (demo LCR at the paper's chr3:%d), md5 %s", sizes["chr3"], PAPER_REGION_START, md5)
    store.put(download_url(cfg, "synthetic_loci/basenji_mouse_sequences.bed"), sequences_bed(sizes))

    for k, (exp, fname) in enumerate(ENCODE_TRACKS.items()):
        if exp in cfg["synthetic_loci"].get("encode", {}):
            encode_answers(store, cfg, exp, bigwig_bytes(shifted_intervals(gdir / fname), sizes, tmp / f"{exp}.bw"), k)
    for k, ident in enumerate(FANTOM):
        rel = f"synthetic_loci/fantom5/{ident}.mm10.ctss.bed.gz"
        store.put(download_url(cfg, rel), ctss_bytes(shifted_intervals(gdir / f"cage_{ident}.bigWig"), seed + k))
    udir = user_dir(work)
    names = pick_payloads(list(truth["payloads"]))
    write_user_files(pdir, udir, names)
    (udir / "cage").mkdir(parents=True, exist_ok=True)
    for ident in GEO:
        bigwig_bytes(shifted_intervals(gdir / f"cage_{ident}.bigWig"), sizes, udir / "cage" / f"{ident}.bigWig")
    files = [{"key": "rehearsal_README.txt", "size": 27, "checksum": "md5:" + hashlib.md5(b"rehearsal placeholder file\n").hexdigest(),
              "links": {"self": "https://zenodo.org/api/records/13363228/files/rehearsal_README.txt/content"}}]
    store.put(download_url(cfg, "synthetic_loci/zenodo_13363228.json"),
              json.dumps({"id": 13363228, "metadata": {"title": "rehearsal stand-in"}, "files": files}).encode(), content_type="application/json")
    log.info("synthetic_loci: payloads %s; user files in %s", names, udir)
    return {}
