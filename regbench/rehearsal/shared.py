"""Mirror content for the top-level ``downloads`` of ``config/paper.yaml`` (shared by studies).

:func:`generate` (``generate(store, cfg, work) -> dict``, the generator contract) writes:

* ``genomes/hg38.fa.gz`` at the UCSC URL: a plain-gzip FASTA (as UCSC ships it, not bgzip) with
  real chromosome names. chr1..chr22 are the core demo world
  (:func:`regbench.data.demo.core.generate_core` with :data:`WORLD`: planted JASPAR motifs,
  genes with CAGE-like and ATAC-like tracks), so signal flows into every study; chrX, chrY, chrM
  and one unplaced contig (``chrUn_KI270302v1``) are plain background so that code meets the
  contigs a real hg38 has. Every gene's TSS lies >= 110 kb from both chromosome ends, so its
  196,608-bp Enformer window and its 200,001-bp null window (personal) fit. Beside it
  ``md5sum.txt``, the publisher's checksum file (``<md5>  hg38.fa.gz``; :func:`put_ucsc`).
* The Enformer hub directory of ``EleutherAI/enformer-official-rough`` (``config.json`` +
  ``pytorch_model.bin``, written by ``save_pretrained(safe_serialization=False)`` as on the hub):
  a shrunken Enformer (:data:`ENFORMER`) with the paper's heads (human 5,313, mouse 1,643) and
  ``target_length`` 896, so the paper's bins [447, 448, 449] and track indices exist on a
  196,608-bp input (untrained, He-normal weights: see :func:`build_enformer`), and the hub
  API's file list with their sha256 / git blob ids (:func:`put_huggingface`).
  ``dim // heads`` is 192, as in the official model, because the TF gamma
  positional features (``use_tf_gamma=True``, the official weights' setting) are precomputed for
  192 relative-position features; a narrower model cannot run the paper's code path.
* ``targets_human.txt`` / ``targets_mouse.txt`` at the basenji GitHub URLs: the real tables when
  the reference-data folder holds them (``<reference>/enformer/``, see
  :func:`reference_data_dir`; the rehearsal harness, not the workflow, reads it), otherwise
  tables with the real header, row count and track-kind blocks in which the rows the studies
  name carry their real descriptions (human 4980 ``CAGE:brain, adult,``; mouse 10/11
  ``DNASE:129 ES-CJ7`` / ``DNASE:129 ES-E14``).

:func:`fill_placeholders` (run by the driver after every study generator) writes minimal
``hg19.fa.gz`` / ``mm10.fa.gz`` (real chromosome names, short random sequence) only where no
study generator stored one (accessibility owns hg19 for CAGI5, synthetic_loci owns mm10).

Everything is a deterministic function of ``cfg['seed']``. Study generators find the shared
world (genes, tracks, motif sites) with :func:`world_paths` ``(work)``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import os
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.data.checksums import checksums_of
from regbench.data.demo.core import CoreParams, core_paths, generate_core
from regbench.rehearsal.mirror import MirrorStore

log_default = logging.getLogger("regbench.rehearsal.shared")

#: the core world behind hg38 (chr1..chr22 with 2 genes each, TSS >= 110 kb from both ends)
WORLD = CoreParams(n_chroms=22, chrom_length=300_000, genes_per_chrom=2, gene_margin=110_000)
#: contigs beyond the core world: (name, length); background only
EXTRA_CONTIGS = (("chrX", 150_000), ("chrY", 60_000), ("chrM", 16_569), ("chrUn_KI270302v1", 2_274))
#: shrunken Enformer with the official heads, crop and positional features (dim // heads = 192)
ENFORMER = dict(dim=192, depth=1, heads=1, attn_dim_key=16, dim_divisible_by=8, num_downsamples=7,
                target_length=896, output_heads={"human": 5313, "mouse": 1643})
#: rows the studies name, kept verbatim in generated target tables: row -> description
HUMAN_NAMED = {4980: "CAGE:brain, adult,"}
MOUSE_NAMED = {10: "DNASE:129 ES-CJ7", 11: "DNASE:129 ES-E14"}
#: (first row, kind, clip, scale, sum_stat) blocks of the real Basenji tables
HUMAN_BLOCKS = ((0, "DNASE", 32, 2, "mean"), (674, "ATAC", 64, 1, "sum"), (684, "CHIP", 32, 2, "mean"),
                (4675, "CAGE", 384, 1, "sum"))
MOUSE_BLOCKS = ((0, "DNASE", 32, 2, "mean"), (101, "ATAC", 32, 2, "mean"), (228, "CHIP", 32, 2, "mean"),
                (1286, "CAGE", 384, 1, "sum"))
TARGET_HEADER = ["index", "genome", "identifier", "file", "clip", "scale", "sum_stat", "description"]
PLACEHOLDER_CHROMS = {
    "genomes/hg19.fa.gz": [f"chr{i}" for i in range(1, 23)] + ["chrX", "chrY", "chrM"],
    "genomes/mm10.fa.gz": [f"chr{i}" for i in range(1, 20)] + ["chrX", "chrY", "chrM"],
}
PLACEHOLDER_LENGTH = 20_000
FASTA_LINE = 50  # UCSC's line width


def reference_data_dir() -> Path | None:
    """The real reference-data folder (``REGBENCH_SHARED_DATA``, else ``../shared/data`` next
    to the repository), or None when absent. Only the rehearsal's generators read it."""
    env = os.environ.get("REGBENCH_SHARED_DATA")
    cand = Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"
    return cand if cand.is_dir() else None


def world_paths(work: str | os.PathLike) -> dict[str, Path]:
    """Files of the shared hg38 world (:func:`regbench.data.demo.core.core_paths` layout)."""
    return core_paths(Path(work) / "shared" / "world")


def download_url(cfg: dict, relpath: str) -> str:
    """The configured URL of a top-level or study download ``relpath``."""
    for table in [cfg.get("downloads", {})] + [cfg.get(s, {}).get("downloads", {}) for s in
                                               ("accessibility", "personal", "synthetic_loci", "dream")]:
        if relpath in table:
            return table[relpath]["url"]
    raise KeyError(f"no download {relpath!r} in the configuration")


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip (mtime 0, no file name)."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=6) as gz:
        gz.write(data)
    return buf.getvalue()


def fasta_bytes(records) -> bytes:
    """``(name, sequence bytes)`` pairs -> FASTA text, ``FASTA_LINE`` bases per line."""
    out = []
    for name, seq in records:
        out.append(f">{name}\n".encode())
        out.extend(seq[i:i + FASTA_LINE] + b"\n" for i in range(0, len(seq), FASTA_LINE))
    return b"".join(out)


def _background(rng: np.random.Generator, n: int, gc: float = 0.41) -> bytes:
    p = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
    return np.frombuffer(b"ACGT", dtype=np.uint8)[rng.choice(4, size=n, p=p)].tobytes()


def _read_fasta(path: Path):
    name, chunks = None, []
    with open(path, "rb") as fh:
        for line in fh:
            if line.startswith(b">"):
                if name is not None:
                    yield name, b"".join(chunks)
                name, chunks = line[1:].strip().decode(), []
            else:
                chunks.append(line.strip())
    if name is not None:
        yield name, b"".join(chunks)


def build_world(work: Path, seed: int, log: logging.Logger) -> dict[str, Path]:
    """The core world under ``work/shared/world`` (reused when its seed and params match)."""
    paths = world_paths(work)
    stamp = paths["genome"].parents[1] / "params.txt"
    want = f"seed={seed} {WORLD!r}\n"
    if stamp.exists() and stamp.read_text() == want and all(p.exists() for p in paths.values()):
        log.info("shared world: reusing %s", stamp.parent)
        return paths
    generate_core(stamp.parent, seed=seed, params=WORLD, log=log)
    stamp.write_text(want)
    return paths


def hg38_bytes(world: dict[str, Path], seed: int) -> bytes:
    """gzip FASTA: the world's chr1..chr22 (soft-masking kept) then :data:`EXTRA_CONTIGS`."""
    rng = np.random.default_rng([int(seed), 14, 38])
    records = list(_read_fasta(world["genome"]))
    records += [(name, _background(rng, n)) for name, n in EXTRA_CONTIGS]
    return gzip_bytes(fasta_bytes(records))


def build_enformer(seed: int, out_dir: Path) -> Path:
    """The shrunken Enformer saved in the hub layout (config.json + pytorch_model.bin).

    Untrained: every Conv1d/Linear weight is drawn He-normal (biases 0). With enformer-pytorch's
    own initialisation the untrained network is nearly constant (measured on a random 196,608-bp
    sequence: std over the 896 bins of track 4980 = 4e-6, and a 128-bp change at the centre moves
    the central bins by 7e-6), so per-individual differences, correlations and attributions
    downstream would be rounding noise; He-normal weights give std 0.21 over bins and a 0.09
    change at the centre. Training the trunk on the world's tracks does not fit the rehearsal's
    time budget on CPU (about 12 s per step of 8 x 2,048 bp measured for this width)."""
    import torch
    from enformer_pytorch import Enformer
    from torch import nn

    torch.manual_seed(int(seed))
    model = Enformer.from_hparams(**ENFORMER)
    for mod in model.modules():
        if isinstance(mod, (nn.Conv1d, nn.Linear)):
            nn.init.kaiming_normal_(mod.weight, nonlinearity="relu")
            if mod.bias is not None:
                nn.init.zeros_(mod.bias)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    model.save_pretrained(out_dir, safe_serialization=False)
    return out_dir


def targets_table(kind: str, reference: Path | None) -> bytes:
    """``targets_{human,mouse}.txt``: the real table from ``reference/enformer/`` if present,
    else a generated one (real header, row count and kind blocks; named rows verbatim)."""
    if reference is not None and (reference / "enformer" / f"targets_{kind}.txt").exists():
        return (reference / "enformer" / f"targets_{kind}.txt").read_bytes()
    n, blocks, named, offset, genome = ((5313, HUMAN_BLOCKS, HUMAN_NAMED, 0, 0) if kind == "human"
                                        else (1643, MOUSE_BLOCKS, MOUSE_NAMED, 5313, 1))
    rows = []
    starts = [b[0] for b in blocks] + [n]
    for (first, assay, clip, scale, stat), stop in zip(blocks, starts[1:]):
        for i in range(first, stop):
            desc = named.get(i, f"{assay}:rehearsal {kind} sample {i}")
            if i in named and not desc.startswith(assay + ":"):
                raise ValueError(f"targets_{kind}: row {i} {desc!r} is outside the {assay} block")
            rows.append([offset + i, genome, f"RH{offset + i:05d}",
                         f"/rehearsal/{kind}/{assay.lower()}/{i}/coverage.w5", clip, scale, stat, desc])
    df = pd.DataFrame(rows, columns=TARGET_HEADER)
    return df.to_csv(sep="\t", index=False, lineterminator="\n").encode()


def put_ucsc(store: MirrorStore, url: str, data: bytes) -> str:
    """Store a file of a UCSC ``goldenPath/.../bigZips/`` folder and list its md5 in the folder's
    ``md5sum.txt`` (the publisher's checksum file, ``<md5>  <name>`` per line; other files
    already listed are kept). Returns the md5. Study generators use it for hg19/mm10 too."""
    store.put(url, data)
    folder, name = url.rsplit("/", 1)
    listing = {}
    old = store.path(folder + "/md5sum.txt")
    if old is not None:
        for line in old.read_text().splitlines():
            md5, _, listed = line.partition("  ")
            listing[listed] = md5
    listing[name] = hashlib.md5(data).hexdigest()
    store.put(folder + "/md5sum.txt", "".join(f"{m}  {n}\n" for n, m in sorted(listing.items())).encode())
    return listing[name]


_HF_RESOLVE = re.compile(r"^https://huggingface\.co/(?:(datasets)/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")
LFS_SUFFIXES = (".bin", ".safetensors", ".pt", ".h5", ".ckpt")


def put_huggingface(store: MirrorStore, files: dict[str, bytes | Path]) -> None:
    """Store hub files (``https://huggingface.co/<repo>/resolve/<rev>/<path>`` -> content) and the
    hub API's answer listing them, ``https://huggingface.co/api/models/<repo>/revision/<rev>
    ?blobs=true``: ``siblings`` with ``rfilename``, ``blobId`` (git blob SHA-1) and ``size``, and
    for LFS files (weights, as the hub's default .gitattributes) ``lfs: {sha256, size,
    pointerSize}`` with ``blobId`` = the id of the LFS pointer file, as the hub answers."""
    repos: dict[tuple, list] = {}
    for url, data in files.items():
        m = _HF_RESOLVE.match(url)
        if not m:
            raise ValueError(f"{url}: not a Hugging Face resolve URL")
        raw = data if isinstance(data, bytes) else Path(data).read_bytes()
        store.put(url, raw)
        kind, repo, rev, path = m.group(1) or "models", m.group(2), m.group(3), m.group(4)
        sib = {"rfilename": path, "size": len(raw)}
        if path.endswith(LFS_SUFFIXES):
            sha = hashlib.sha256(raw).hexdigest()
            pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\nsize {len(raw)}\n".encode()
            sib.update(blobId=checksums_of(pointer)["git_sha1"], lfs={"sha256": sha, "size": len(raw), "pointerSize": len(pointer)})
        else:
            sib["blobId"] = checksums_of(raw)["git_sha1"]
        repos.setdefault((kind, repo, rev), []).append(sib)
    for (kind, repo, rev), sibs in repos.items():
        answer = {"id": repo, "modelId": repo, "sha": hashlib.sha1(f"{repo}@{rev}".encode()).hexdigest(),
                  "private": False, "gated": False, "siblings": sorted(sibs, key=lambda x: x["rfilename"])}
        store.put(f"https://huggingface.co/api/{kind}/{repo}/revision/{rev}?blobs=true",
                  json.dumps(answer, indent=1).encode(), content_type="application/json")


SYNAPSE_API = "https://repo-prod.prod.sagebase.org"
SYNAPSE_STORAGE = "https://proddata-sagebase-org.s3.amazonaws.com"


def put_synapse(store: MirrorStore, entity: str, data: bytes | Path, name: str, api: str = SYNAPSE_API) -> str:
    """Store a Synapse file entity as the REST API answers it (what
    :func:`regbench.data.synapse.resolve` asks): ``GET <api>/repo/v1/entity/<syn>[/version/<v>]
    /filehandles`` (``list[0]``: ``id``, ``fileName``, ``contentMd5``, ``contentSize``,
    ``contentType``), ``.../file?redirect=false`` (the presigned storage URL as text) and the file
    at that URL. ``entity``: ``syn123`` or ``syn123.4``. Returns the md5 (a download that pins it
    needs it as a checksum override). Folder listings (``POST /repo/v1/entity/children`` with a
    JSON body) go through ``store.put(url, answer, method="POST", body=...)``."""
    from regbench.data.synapse import entity_path

    raw = data if isinstance(data, bytes) else Path(data).read_bytes()
    md5 = hashlib.md5(raw).hexdigest()
    handle = str(int(hashlib.sha1(entity.encode()).hexdigest()[:8], 16))
    presigned = f"{SYNAPSE_STORAGE}/{handle}/{name}?X-Amz-Signature=rehearsal&X-Amz-Expires=30"
    base = api.rstrip("/") + entity_path(entity)
    answer = {"list": [{"id": handle, "fileName": name, "contentMd5": md5, "contentSize": len(raw),
                        "contentType": "application/octet-stream", "concreteType": "org.sagebionetworks.repo.model.file.S3FileHandle"}]}
    store.put(base + "/filehandles", json.dumps(answer).encode(), content_type="application/json")
    store.put(base + "/file?redirect=false", presigned.encode(), content_type="text/plain")
    store.put(presigned, raw)
    return md5


def generate(store: MirrorStore, cfg: dict, work: str | os.PathLike, log: logging.Logger | None = None) -> dict:
    """Write the shared downloads into ``store`` (module docstring); returns checksum overrides
    ``{relpath: {"md5": ...}}`` for the pinned downloads among them (none pinned today: the
    driver fills in any that the configuration pins later)."""
    log = log or log_default
    work = Path(work)
    seed = int(cfg.get("seed", 42))
    t0 = time.time()
    world = build_world(work, seed, log)
    hg38 = hg38_bytes(world, seed)
    md5 = put_ucsc(store, download_url(cfg, "genomes/hg38.fa.gz"), hg38)
    log.info("hg38.fa.gz: %d bytes gzip, md5 %s (%.1fs)", len(hg38), md5, time.time() - t0)

    t1 = time.time()
    enf = build_enformer(seed, work / "shared" / "enformer-official-rough")
    put_huggingface(store, {download_url(cfg, f"enformer/enformer-official-rough/{name}"): enf / name
                            for name in ("config.json", "pytorch_model.bin")})
    log.info("Enformer hub files: %s (%.1fs)", ENFORMER, time.time() - t1)

    ref = reference_data_dir()
    for kind in ("human", "mouse"):
        store.put(download_url(cfg, f"enformer/targets_{kind}.txt"), targets_table(kind, ref))
    log.info("targets tables: %s", "real (" + str(ref / "enformer") + ")" if ref and (ref / "enformer").is_dir() else "generated")
    return {}


def fill_placeholders(store: MirrorStore, cfg: dict, log: logging.Logger | None = None) -> list[str]:
    """Minimal hg19/mm10 gzip FASTAs where no study generator stored one; returns their relpaths."""
    log = log or log_default
    done = []
    for k, (relpath, chroms) in enumerate(PLACEHOLDER_CHROMS.items()):
        rng = np.random.default_rng([int(cfg.get("seed", 42)), 14, 19, k])
        try:
            url = download_url(cfg, relpath)
        except KeyError:
            continue
        if store.has(url):
            continue
        put_ucsc(store, url, gzip_bytes(fasta_bytes((c, _background(rng, PLACEHOLDER_LENGTH)) for c in chroms)))
        log.warning("%s: placeholder (%d x %d bp random sequence); its study generator should provide real content",
                    relpath, len(chroms), PLACEHOLDER_LENGTH)
        done.append(relpath)
    return done
