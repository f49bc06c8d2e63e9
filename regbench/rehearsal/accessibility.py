"""Mirror content for the accessibility study's paper downloads (GOPHER, issue 14).

:func:`generate` (``generate(store, cfg, work) -> dict``, the generator contract) writes, for
the merged paper + overlay configuration ``cfg``:

* **ENCODE portal**, per cell line of ``accessibility.cells`` (the overlay's subset), exactly the
  requests :mod:`regbench.data.encode` makes: the search JSON of every unpinned file
  (``/search/?type=File&dataset=/experiments/<ENCSR>/...&format=json&limit=all``) whose
  ``@graph`` holds the file plus the decoys the selection rules must reject (a pooled
  ``[1, 2]`` replicate file, and for some cells an older non-default reprocessing), the
  metadata JSON of every file (``/files/<ENCFF>/?format=json``: md5sum, file_size, href; the
  pinned files of Panc1/PC-3 keep their real accessions) and the files themselves at their
  ``@@download`` hrefs: fold-change bigWigs (rep1, rep2 where the experiment has two
  replicates) and IDR thresholded peaks (narrowPeak, gzip). Their content is the shared world's
  ATAC-like tracks and peaks (:func:`regbench.data.demo.core.generate_core`: planted JASPAR
  motifs with a cell-type grammar), world cell types assigned to the rehearsal's cells in
  order, so planted signal flows into training, GIA and Tomtom. The bigWig headers list every
  hg38 contig of the shared FASTA, as ENCODE's do; values are written where the datasets look
  (the regions below).
* the **GRCh38 exclusion list** ``ENCFF356LFX.bed.gz`` (the world's blacklist) and its ENCODE
  metadata JSON (the publisher checksum the download rule verifies against).
* **CAGI5 tables** at the pinned GitHub raw URLs, in their real layouts (RegDB release TSV,
  challenge labels CSV): the real rows (reference-data folder, see
  :func:`regbench.rehearsal.shared.reference_data_dir`) of :data:`CAGI_ELEMENTS`, every
  ``CAGI_POSITIONS`` mutated positions of each element (all alternative alleles there); the
  driver pins their checksums from the mirrored bytes.
* **hg19.fa.gz** (UCSC URL, ``md5sum.txt`` beside it): real chromosome names; the chromosomes
  holding those elements are long enough to hold them at their real GRCh37 coordinates, with
  random sequence around every variant (the table's reference base at the variant's position,
  so GOPHER's reference check keeps them) and N elsewhere.
* ``work/accessibility/regions.bed`` (the overlay's ``accessibility.inputs.regions``, a region
  subset): the first :data:`REGION_BP` bp of every chromosome (the 5-kb N telomere of the world
  included, so assembly gaps are met).

Deterministic given ``cfg['seed']``. Returns ``{}``: the pinned downloads (CAGI5 tables) get
their checksum overrides from the driver, the ENCODE files are checked against the metadata
written here.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.data.demo.core import CELL_TYPES
from regbench.data.encode import ENCODE_BASE, KINDS, FileRequest, file_url, search_url
from regbench.rehearsal import shared
from regbench.rehearsal.mirror import MirrorStore

log_default = logging.getLogger("regbench.rehearsal.accessibility")

#: bp of each chromosome the datasets are built on (12 windows of 3,072 bp)
REGION_BP = 36_864
#: CAGI5 elements served: TERT-GBM only (Fig 5a's example element; every model of the rehearsal
#: runs CAGI on its variants, so each variant costs ~3.3 s per model, see CAGI_POSITIONS)
CAGI_ELEMENTS = ("TERT-GBM",)
#: mutated positions per element (all alternative alleles there; evenly spaced): CAGI costs ~0.08 s
#: per 3,072-bp forward at paper width x 2 alleles x 10 shifts x 2 modes per variant and model
#: (every 24th position, ~100 variants: 328 s per model)
CAGI_POSITIONS = 1
CAGI_FLANK = 2_000  # random sequence around the variants of an element (context is 1,536 bp)
HG19_CHROMS = [f"chr{i}" for i in range(1, 23)] + ["chrX", "chrY", "chrM"]
HG19_SHORT = 10_000  # length of the chromosomes without a served element (all N)


def _accession(*key) -> str:
    """A stable fake ENCFF accession (``ENCFF`` + 3 digits + 3 letters) for a file."""
    h = hashlib.sha1("|".join(map(str, key)).encode()).digest()
    digits = "".join(str(b % 10) for b in h[:3])
    letters = "".join(chr(ord("A") + b % 26) for b in h[3:6])
    return f"ENCFF{digits}{letters}"


def _bigwig_bytes(src: Path, chrom_sizes: dict[str, int], tmp: Path) -> bytes:
    """The world bigWig ``src`` rewritten with a header listing every contig of ``chrom_sizes``
    and its values (no data = 0) on the first ``REGION_BP`` (+ 4 kb) of each chromosome."""
    import pyBigWig

    bw = pyBigWig.open(str(src))
    out = pyBigWig.open(str(tmp), "w")
    out.addHeader(list(chrom_sizes.items()))
    for chrom in chrom_sizes:
        if chrom not in bw.chroms():
            continue
        # signal only where the datasets look (the regions BED): keeps the files small
        end = min(bw.chroms()[chrom], REGION_BP + 4096)
        vals = np.nan_to_num(bw.values(chrom, 0, end, numpy=True), nan=0.0).astype(np.float64)
        out.addEntries(chrom, 0, values=vals, span=1, step=1)
    out.close()
    bw.close()
    data = tmp.read_bytes()
    tmp.unlink()
    return data


def _record(accession, experiment, kind, rep, data: bytes, href_ext, **extra) -> dict:
    output_type, file_format = KINDS[kind]
    rec = {
        "@id": f"/files/{accession}/", "accession": accession, "status": "released", "assembly": "GRCh38",
        "output_type": output_type, "file_format": file_format, "file_type": "bigWig" if kind == "fc" else "bed narrowPeak",
        "biological_replicates": [rep], "technical_replicates": [f"{rep}_1"], "preferred_default": True,
        "date_created": "2020-10-08T00:00:00.000000+00:00", "md5sum": hashlib.md5(data).hexdigest(),
        "file_size": len(data), "href": f"/files/{accession}/@@download/{accession}.{href_ext}",
        "dataset": f"/experiments/{experiment}/", "lab": {"title": "rehearsal"},
    }
    rec.update(extra)
    return rec


def put_encode(store: MirrorStore, acc: dict, world: dict[str, Path], chrom_sizes: dict[str, int], work: Path,
               log: logging.Logger) -> list[dict]:
    """Search answers, file metadata and files of every cell of ``acc['cells']`` (module doc)."""
    enc = acc.get("encode", {})
    base = enc.get("base_url", ENCODE_BASE).rstrip("/")
    assembly = enc.get("assembly", "GRCh38")
    rows = []
    tmp = work / "accessibility" / "tmp.bw"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    for i, cell in enumerate(acc["cells"]):
        entry = enc.get("cells", {}).get(cell)
        if entry is None:
            raise ValueError(f"rehearsal: accessibility.cells has {cell!r} without an encode.cells entry")
        world_cell = CELL_TYPES[i % len(CELL_TYPES)]
        exp = entry["experiment"]
        wanted = [("fc", 1), ("peaks", 1)] + ([("fc", 2)] if entry.get("replicates", 2) >= 2 else [])
        for kind, rep in wanted:
            if kind == "fc":
                data = _bigwig_bytes(world[f"{world_cell}.rep{rep}"], chrom_sizes, tmp)
                ext = "bigWig"
            else:
                data = shared.gzip_bytes(gzip.decompress(world[f"{world_cell}.peaks"].read_bytes()))
                ext = "bed.gz"
            pinned = entry.get("pinned", {}).get(f"{kind}_rep{rep}")
            accession = pinned or _accession(exp, kind, rep)
            rec = _record(accession, exp, kind, rep, data, ext)
            store.put(base + rec["href"], data)
            store.put(file_url(accession, base), json.dumps(rec, indent=1).encode(), content_type="application/json")
            if not pinned:
                pooled = _record(_accession(exp, kind, "pooled"), exp, kind, rep, data, ext, biological_replicates=[1, 2],
                                 technical_replicates=["1_1", "2_1"])
                graph = [pooled, rec]
                if i % 2 == 0:  # an older, non-default reprocessing: rejected by preferred_default
                    graph.append(_record(_accession(exp, kind, rep, "old"), exp, kind, rep, data, ext, preferred_default=False,
                                         date_created="2019-01-01T00:00:00.000000+00:00"))
                req = FileRequest(exp, kind, rep, assembly)
                answer = {"@id": search_url(req, base).replace(base, ""), "@type": ["Search"], "total": len(graph), "@graph": graph}
                store.put(search_url(req, base), json.dumps(answer, indent=1).encode(), content_type="application/json")
            rows.append({"cell": cell, "world_cell": world_cell, "kind": kind, "rep": rep, "accession": accession,
                         "pinned": bool(pinned), "bytes": len(data)})
    log.info("ENCODE: %d files for %d cell lines (%s)", len(rows), len(acc["cells"]), ", ".join(acc["cells"]))
    return rows


def put_exclusion_list(store: MirrorStore, cfg: dict, world: dict[str, Path]) -> None:
    """``ENCFF356LFX.bed.gz`` (the world's blacklist) and its ENCODE metadata (the publisher
    checksum of the download)."""
    url = shared.download_url(cfg, "accessibility/GRCh38_exclusion_ENCFF356LFX.bed.gz")
    data = shared.gzip_bytes(gzip.decompress(world["blacklist"].read_bytes()))
    store.put(url, data)
    meta = {"accession": "ENCFF356LFX", "status": "released", "assembly": "GRCh38", "file_format": "bed",
            "output_type": "exclusion list", "md5sum": hashlib.md5(data).hexdigest(), "file_size": len(data),
            "href": "/files/ENCFF356LFX/@@download/ENCFF356LFX.bed.gz"}
    store.put(file_url("ENCFF356LFX", ENCODE_BASE), json.dumps(meta, indent=1).encode(), content_type="application/json")


def cagi_subset(reference: Path | None, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(release RegDB rows, challenge label rows) of :data:`CAGI_ELEMENTS`, every
    :data:`CAGI_POSITIONS` mutated positions, in the files' own columns; real rows when the
    reference-data folder holds ``cagi5/``, else generated rows of the same layout."""
    if reference is not None and (reference / "cagi5" / "training_all_RegDB.txt").exists():
        rel = pd.read_csv(reference / "cagi5" / "training_all_RegDB.txt", sep="\t", dtype=str)
        cha = pd.read_csv(reference / "cagi5" / "test_labels.csv", dtype=str)
        cha.columns = ["" if c.startswith("Unnamed") else c for c in cha.columns]  # the file's header starts with ","
    else:  # no reference data: same layout, synthetic values at the real element spans
        spans = {"TERT-GBM": ("chr5", 1295104, 1295362), "TERT-HEK293T": ("chr5", 1295104, 1295362), "HBB": ("chr11", 5248252, 5248439)}
        rows = []
        for el, (c, s, e) in spans.items():
            for pos in range(s, e):
                ref = "ACGT"[pos % 4]
                for alt in "ACGT".replace(ref, ""):
                    rows.append((el, c, pos, ref, alt, f"{rng.normal(0, 0.3):.2f}", f"{rng.random():.2f}"))
        df = pd.DataFrame(rows, columns=["el", "chrom", "pos1", "ref", "alt", "value", "conf"])
        is_rel = rng.random(len(df)) < 0.25
        r, c_ = df[is_rel], df[~is_rel]
        rel = pd.DataFrame({"chrom": r["chrom"], "start": (r["pos1"] - 1).astype(str), "end": r["pos1"].astype(str), "ref": r["ref"],
                            "alt": r["alt"], "effect_size": r["value"], "confidence": r["conf"], "target": r["el"]})
        cha = pd.DataFrame({"": range(len(c_)), "#Chrom": c_["chrom"].str[3:], "Pos": c_["pos1"].astype(str), "Ref": c_["ref"],
                            "Alt": c_["alt"], "Value": c_["value"], "Confidence": c_["conf"], "name": c_["el"], "label": "0"})
    rel_pos = pd.to_numeric(rel["start"]) + 1
    cha_pos = pd.to_numeric(cha["Pos"])
    keep_rel = np.zeros(len(rel), bool)
    keep_cha = np.zeros(len(cha), bool)
    for el in CAGI_ELEMENTS:
        positions = np.unique(np.concatenate([rel_pos[rel["target"] == el], cha_pos[cha["name"] == el]]))
        chosen = set(positions[:: max(1, len(positions) // CAGI_POSITIONS)][:CAGI_POSITIONS].tolist())
        keep_rel |= (rel["target"] == el).to_numpy() & rel_pos.isin(chosen).to_numpy()
        keep_cha |= (cha["name"] == el).to_numpy() & cha_pos.isin(chosen).to_numpy()
    return rel[keep_rel].reset_index(drop=True), cha[keep_cha].reset_index(drop=True)


def hg19_bytes(variants: pd.DataFrame, rng: np.random.Generator) -> bytes:
    """gzip FASTA of :data:`HG19_CHROMS`: each chromosome holding variants is long enough for
    them (``CAGI_FLANK`` past the last), random sequence within ``CAGI_FLANK`` of every element
    and the reference base at each variant position; N elsewhere. ``variants``: chrom (chr..),
    pos (1-based GRCh37), ref."""
    records = []
    for chrom in HG19_CHROMS:
        v = variants[variants["chrom"] == chrom]
        if v.empty:
            records.append((chrom, b"N" * HG19_SHORT))
            continue
        pos0 = v["pos"].to_numpy(np.int64) - 1
        seq = np.full(int(pos0.max()) + CAGI_FLANK + 1, ord("N"), np.uint8)
        lo, hi = int(pos0.min()) - CAGI_FLANK, int(pos0.max()) + CAGI_FLANK
        seq[lo:hi] = np.frombuffer(b"ACGT", np.uint8)[rng.integers(0, 4, hi - lo)]
        seq[pos0] = np.frombuffer("".join(v["ref"]).encode(), np.uint8)
        records.append((chrom, seq.tobytes()))
    return shared.gzip_bytes(shared.fasta_bytes(records))


def put_cagi(store: MirrorStore, cfg: dict, rng: np.random.Generator, log: logging.Logger) -> int:
    """The two CAGI5 tables and hg19.fa.gz (module doc); returns the number of variants."""
    rel, cha = cagi_subset(shared.reference_data_dir(), rng)
    store.put(shared.download_url(cfg, "accessibility/cagi5/training_all_RegDB.txt"),
              rel.to_csv(sep="\t", index=False, lineterminator="\n").encode())
    store.put(shared.download_url(cfg, "accessibility/cagi5/test_labels.csv"), cha.to_csv(index=False, lineterminator="\n").encode())
    variants = pd.concat([
        pd.DataFrame({"chrom": rel["chrom"], "pos": pd.to_numeric(rel["start"]) + 1, "ref": rel["ref"]}),
        pd.DataFrame({"chrom": "chr" + cha["#Chrom"].astype(str), "pos": pd.to_numeric(cha["Pos"]), "ref": cha["Ref"]}),
    ], ignore_index=True)
    clash = variants.groupby(["chrom", "pos"])["ref"].nunique()
    if (clash > 1).any():
        raise ValueError(f"rehearsal CAGI5 subset: positions with two reference bases: {clash[clash > 1].index.tolist()[:5]}")
    shared.put_ucsc(store, shared.download_url(cfg, "genomes/hg19.fa.gz"), hg19_bytes(variants, rng))
    log.info("CAGI5: %d release + %d challenge variants of %s; hg19.fa.gz holds them", len(rel), len(cha), ", ".join(CAGI_ELEMENTS))
    return len(variants)


def write_regions(chrom_sizes: dict[str, int], out: Path) -> Path:
    """``accessibility.inputs.regions`` of the overlay: ``[0, REGION_BP)`` of every chromosome."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(f"{c}\t0\t{min(s, REGION_BP)}\n" for c, s in chrom_sizes.items()))
    return out


def generate(store: MirrorStore, cfg: dict, work: str | os.PathLike, log: logging.Logger | None = None) -> dict:
    """Write the accessibility study's downloads into ``store`` (module docstring)."""
    log = log or log_default
    work = Path(work)
    t0 = time.time()
    acc = cfg["accessibility"]
    world = shared.build_world(work, int(cfg.get("seed", 42)), log)
    sizes = {}
    with open(world["fai"]) as fh:
        for line in fh:
            name, length = line.split("\t")[:2]
            sizes[name] = int(length)
    sizes.update(dict(shared.EXTRA_CONTIGS))
    write_regions(sizes, work / "accessibility" / "regions.bed")
    put_encode(store, acc, world, sizes, work, log)
    put_exclusion_list(store, cfg, world)
    put_cagi(store, cfg, np.random.default_rng([int(cfg.get("seed", 42)), 19, 5]), log)
    log.info("accessibility mirror content in %.1fs", time.time() - t0)
    return {}
