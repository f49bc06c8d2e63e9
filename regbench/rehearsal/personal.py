"""Paper-rehearsal downloads of the personal study (Sasse et al. 2023), in the real layouts.

:func:`generate` (the generator contract ``generate(store, cfg, work) -> dict``) writes, on the
shared hg38 world (:func:`regbench.rehearsal.shared.world_paths`: chr1..chr22, 2 genes each):

* GENCODE v27 GTF (every world gene; two of them carry the paper's example genes' IDs and names,
  DDX11 ENSG00000013573 and GSTM3 ENSG00000134202) + the folder's ``MD5SUMS``;
* a fake Synapse (entity JSON, ``POST /repo/v1/entity/children`` folder listings, file handles with
  ``contentMd5``, presigned URLs): folder syn11707420 with one GRCh37 joint VCF per configured
  chromosome (bare contig names, unphased GT, positions shifted by :data:`OFFSET`), folder
  syn3388564 with the RNA-seq counts, specimen metadata and Picard metrics, and the clinical table
  and ID key as file entities (:mod:`regbench.data.demo.rosmap` writes the ROSMAP layouts);
* the UCSC chain (GRCh37 = GRCh38 - :data:`OFFSET`, so LiftoverVcf restores the world's
  coordinates) + ``md5sum.txt``; the Eagle 2.4.1 archive layout (``Eagle_v2.4.1/eagle`` and
  ``tables/genetic_map_hg38_withX.txt.gz``) whose ``eagle`` is a stand-in script taking Eagle's
  options and phasing with SHAPEIT4 (the real Eagle binary cannot be fetched here);
* GTEx v8 gene TPM GCT + sample attributes, Basenji ``sequences.bed`` (folds over the reference
  genes), the authors' ``GTExWeights.csv`` (5,313 tracks + offset) and Supplementary Table 1
  (real header; SuSiE columns set for a few genes), the PredictDB tar with
  ``elastic_net_models/en_Brain_Cortex.db`` + the Zenodo API record listing its md5.

Cohort (sized for the rehearsal Enformer, ~5-16 s per 196,608-bp pass on CPU): each personal
gene (the two example genes) has exactly one SNV inside the model window, 1 bp off the TSS, plus
:data:`N_DECOYS` SNVs in the +-1.5 kb between the model window and the null window (TSS +- 100 kb);
the other genes have SNVs there only (one Enformer pass: the reference); its planted expression
is a linear function of that one SNV's dosage. A haplotype is then the reference or carries that
one SNV, so Enformer runs twice per gene and per pass (haplotype deduplication), and the
personal prediction is linear in the dosage: whatever the untrained Enformer's sign, |R| is
the planted correlation, well above the gene-specific null built on the decoys, so the genes are
significant and every downstream analysis (ISM, drivers, ensembles, motifs) has data. The planted
signal goes through the whole preprocessing chain (liftover, QC, phasing, TMM, covariates).
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import sqlite3
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.rehearsal import shared
from regbench.rehearsal.mirror import MirrorStore

log_default = logging.getLogger("regbench.rehearsal.personal")

OFFSET = 5_000  # GRCh37 = GRCh38 - OFFSET in the rehearsal's chain
EXAMPLES = {"positive": ("ENSG00000013573", "DDX11"), "negative": ("ENSG00000134202", "GSTM3")}
N_WGS, N_RNA, N_FILLER, N_DECOYS = 120, 100, 240, 20
#: Enformer folds of the reference genes (order of :func:`pick_genes`): examples first
FOLDS = ["train", "test", "train", "train", "valid", "valid", "test", "test"]
ST1_COLUMNS = ["# gene_name", "gene_id", "chr_hg38", "start_hg38", "end_hg38", "strand_hg38", "tss_hg38", "MeanObs",
               "StdObs", "PearsonRfineTuned", "PvalueRfineTuned", "MeanFineTuned", "StdFineTuned",
               "PearsonRCAGE,adult,brain", "PvalueRCAGE,adult,brain", "MeanCAGE,adult,brain", "StdCAGE,adult,brain",
               "RmeanRandom", "Rstdrandom", "TstatCAGE,adult,brain", "Log10PvalueTstatCAGE,adult,brain",
               "Log10BHPvalueTstatCAGE,adult,brain", "PrediXcanR", "SuSieCausalBrainhg38", "SusieCausalCortexhg38"]
EAGLE_STANDIN = """#!/bin/sh
# Rehearsal stand-in for Eagle 2.4.1 (the real binary is a download that cannot be fetched in the
# rehearsal): takes Eagle's options and phases with SHAPEIT4 into <outPrefix>.vcf.gz.
set -eu
vcf=""; out=""; chrom=""
for a in "$@"; do
  case "$a" in
    --vcf=*) vcf="${a#--vcf=}" ;;
    --outPrefix=*) out="${a#--outPrefix=}" ;;
    --chrom=*) chrom="${a#--chrom=}" ;;
  esac
done
exec shapeit4 --input "$vcf" --region "$chrom" --output "$out.vcf.gz" --thread 1
"""


def pick_genes(genes: pd.DataFrame, chroms: list[str], n: int = 8) -> pd.DataFrame:
    """The first gene of each of the first ``n`` configured chromosomes (world genes.tsv)."""
    rows = [genes[genes["chrom"] == f"chr{c}"].iloc[0] for c in chroms if (genes["chrom"] == f"chr{c}").any()]
    if len(rows) < n:
        raise ValueError(f"the rehearsal needs {n} chromosomes with genes among personal.rosmap.wgs.chromosomes, got {len(rows)}")
    return pd.DataFrame(rows[:n]).reset_index(drop=True)


def gtf_text(genes: pd.DataFrame, sizes: dict[str, int]) -> str:
    """GENCODE-like GTF: a gene and a transcript line per gene (1-based, versioned IDs)."""
    lines = ["##description: evidence-based annotation of the human genome (GRCh38), version 27 (Ensembl 90); regbench rehearsal",
             "##provider: GENCODE", "##format: gtf", "##date: 2017-08-17"]
    for g in genes.itertuples():
        s = int(g.tss) + 1 if g.strand == "+" else max(1, int(g.tss) + 1 - 20_000)
        e = min(sizes[g.chrom], s + 20_000) if g.strand == "+" else int(g.tss) + 1
        attrs = (f'gene_id "{g.gene_id}.5"; gene_type "protein_coding"; gene_name "{g.gene_name}"; level 2;')
        lines.append(f"{g.chrom}\tHAVANA\tgene\t{s}\t{e}\t.\t{g.strand}\t.\t{attrs}")
        lines.append(f"{g.chrom}\tHAVANA\ttranscript\t{s}\t{e}\t.\t{g.strand}\t.\t{attrs} transcript_id \"{g.gene_id.replace('ENSG', 'ENST')}.1\";")
    return "\n".join(lines) + "\n"


def cohort(genome, picked: pd.DataFrame, rng: np.random.Generator, personal: set[str]):
    """(phased records [(chrom, pos1, ref, alt, gt (n, 2) bool)], causal dosage per personal gene)."""
    recs, causal = [], {}
    for g in picked.itertuples():
        tss = int(g.tss)
        if g.gene_id in personal:
            spots = [tss + 1] + [tss + s * d for s in (-1, 1) for d in rng.choice(np.arange(98_500, 99_900), N_DECOYS // 2, replace=False)]
        else:  # SNVs only outside the model window: one Enformer pass per gene (the reference)
            spots = [tss + s * d for s in (-1, 1) for d in rng.choice(np.arange(98_500, 99_900), 2, replace=False)]
        for k, p0 in enumerate(sorted(spots)):
            ref = str(genome[g.chrom][int(p0)]).upper()
            if ref not in "ACGT":
                continue
            alt = rng.choice([b for b in "ACGT" if b != ref])
            gt = rng.random((N_WGS, 2)) < rng.uniform(0.2, 0.5)
            recs.append((g.chrom, int(p0) + 1, ref, str(alt), gt))
            if g.gene_id in personal and int(p0) == tss + 1:
                causal[g.gene_id] = gt.sum(axis=1)
    recs.sort(key=lambda r: (int(r[0].removeprefix("chr")), r[1]))
    return recs, causal


def write_phased_vcf(path: Path, recs, samples: list[str], sizes: dict[str, int]) -> None:
    with open(path, "w") as fh:
        fh.write("##fileformat=VCFv4.2\n" + "".join(f"##contig=<ID={c},length={n}>\n" for c, n in sizes.items()))
        fh.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        fh.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples) + "\n")
        for c, pos, ref, alt, gt in recs:
            fh.write(f"{c}\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT\t" + "\t".join(f"{int(a)}|{int(b)}" for a, b in gt) + "\n")


def synapse_folder(store: MirrorStore, folder: str, files: dict[str, bytes], first_id: int) -> None:
    """Folder ``folder`` with file entities (name -> content): the children listing answered to
    ``POST /repo/v1/entity/children`` and each file entity (:func:`shared.put_synapse`)."""
    page = []
    for k, (name, data) in enumerate(sorted(files.items())):
        syn = f"syn{first_id + k}"
        shared.put_synapse(store, syn, data, name)
        page.append({"id": syn, "name": name, "type": "org.sagebionetworks.repo.model.FileEntity",
                     "versionNumber": 1, "benefactorId": int(folder[3:])})
    store.put(f"{shared.SYNAPSE_API}/repo/v1/entity/children", json.dumps({"page": page}).encode(), method="POST",
              body={"parentId": folder, "includeTypes": ["file", "folder"]}, content_type="application/json")


def _tar(members: dict[str, bytes], gz: bool = False, modes: dict[str, int] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if gz else "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, (modes or {}).get(name, 0o644)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def predictdb_bytes(recs, picked: pd.DataFrame, rng) -> bytes:
    """en_Brain_Cortex.db (PredictDB schema) with weights on each gene's SNVs (varID in the
    GRCh38 coordinates the phased VCF has: ``chr{c}_{pos}_{ref}_{alt}_b38``)."""
    from regbench.studies.personal.predixcan import write_predictdb

    w, extra = [], []
    for g in picked.itertuples():
        mine = [r for r in recs if r[0] == g.chrom and abs(r[1] - 1 - int(g.tss)) <= 100_000]
        for c, pos, ref, alt, _ in mine[:6]:
            w.append((f"{g.gene_id}.5", f"rs{pos}", f"{c}_{pos}_{ref}_{alt}_b38", ref, alt, float(rng.normal(0, 0.3))))
        extra.append((f"{g.gene_id}.5", g.gene_name, len(mine[:6]), 0.1, 1e-5, 1e-4))
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "en_Brain_Cortex.db"
        write_predictdb(path, pd.DataFrame(w, columns=["gene", "rsid", "varID", "ref_allele", "eff_allele", "weight"]),
                        pd.DataFrame(extra, columns=["gene", "genename", "n.snps.in.model", "pred.perf.R2",
                                                     "pred.perf.pval", "pred.perf.qval"]))
        return path.read_bytes()


def generate(store: MirrorStore, cfg: dict, work: str | os.PathLike, log: logging.Logger | None = None) -> dict:
    """Write the personal study's downloads into ``store`` (module docstring). Returns {} (the
    Synapse entries verify against the fake file handles' md5; pinned GitHub files get their
    checksum overrides from the driver)."""
    from pyfaidx import Fasta

    from regbench.data.demo.rosmap import offset_chain, write_b37_vcfs, write_rnaseq

    log = log or log_default
    work = Path(work)
    pcfg = cfg["personal"]
    rng = np.random.default_rng([int(cfg.get("seed", 42)), 17])
    world = shared.world_paths(work)
    genome = Fasta(str(world["genome"]), as_raw=True, sequence_always_upper=True)
    sizes = {k: len(genome[k]) for k in genome.keys()}
    genes = pd.read_csv(world["genes"], sep="\t")
    chroms = [str(c) for c in pcfg["rosmap"]["wgs"]["chromosomes"]]
    picked = pick_genes(genes, chroms)
    for k, (role, (gid, name)) in enumerate(EXAMPLES.items()):
        genes.loc[genes["gene_id"] == picked.loc[k, "gene_id"], ["gene_id", "gene_name"]] = [gid, name]
        picked.loc[k, ["gene_id", "gene_name"]] = [gid, name]
    personal = set(picked["gene_id"][:2])
    d = work / "personal"
    d.mkdir(parents=True, exist_ok=True)

    # GENCODE v27 GTF + MD5SUMS
    gtf = shared.gzip_bytes(gtf_text(genes, sizes).encode())
    url = shared.download_url(cfg, "personal/gencode.v27.annotation.gtf.gz")
    store.put(url, gtf)
    import hashlib

    store.put(url.rsplit("/", 1)[0] + "/MD5SUMS", f"{hashlib.md5(gtf).hexdigest()}  {url.rsplit('/', 1)[1]}\n".encode())

    # cohort -> GRCh37 VCFs in the Synapse WGS folder
    samples = [f"SM-RH{i:04d}" for i in range(N_WGS)]
    recs, causal = cohort(genome, picked, rng, personal)
    phased = d / "cohort.vcf"
    write_phased_vcf(phased, recs, samples, {c: sizes[c] for c in sizes if c.removeprefix("chr").isdigit()})
    import subprocess

    subprocess.run(["bgzip", "-f", str(phased)], check=True)
    subprocess.run(["tabix", "-f", "-p", "vcf", str(phased) + ".gz"], check=True)
    w = pcfg["rosmap"]["wgs"]
    b37 = write_b37_vcfs(str(phased) + ".gz", str(d / "wgs" / "chr{chrom}.vcf.gz"), chroms, OFFSET)
    synapse_folder(store, w["folder"], {w["file"].format(chrom=c): p.read_bytes() for c, p in zip(chroms, b37)}, 91_000_000)

    # expression (the paired individuals) -> ROSMAP RNA-seq files
    rna = samples[:N_RNA]
    expr = pd.DataFrame(rng.normal(0, 0.4, (len(picked) + N_FILLER, N_RNA)), columns=rna,
                        index=list(picked["gene_id"]) + [f"ENSG99{i:09d}" for i in range(N_FILLER)])
    expr = expr.add(rng.uniform(5, 9, len(expr)), axis=0)
    for k, gid in enumerate(picked["gene_id"][:2]):
        dose = causal[gid][:N_RNA].astype(float)
        expr.loc[gid] = 7 + (1.0 if k == 0 else -1.0) * (dose - dose.mean()) + rng.normal(0, 0.3, N_RNA)
    expr.index.name = "gene_id"
    expr.to_csv(d / "expression.tsv", sep="\t")
    rp = write_rnaseq(d / "expression.tsv", samples, d / "rnaseq", seed=int(cfg.get("seed", 42)))
    by_name = {}
    for rel, spec in pcfg.get("downloads", {}).items():
        u = spec["url"]
        if u.startswith("synapse://"):
            by_name[u] = rel
    rn = {"ROSMAP_all_counts_matrix.txt.gz": rp["counts"], "ROSMAP_assay_rnaSeq_metadata.csv": rp["metadata"],
          "ROSMAP_all_metrics_matrix.txt": rp["metrics"]}
    folders: dict[str, dict[str, bytes]] = {}
    for u in by_name:
        ent = u.removeprefix("synapse://")
        if "/" in ent:
            folder, name = ent.split("/", 1)
            folders.setdefault(folder, {})[name] = Path(rn[name]).read_bytes()
        elif by_name[u].endswith("ROSMAP_clinical.csv"):
            shared.put_synapse(store, ent, rp["clinical"], "ROSMAP_clinical.csv")
        elif by_name[u].endswith("ROSMAP_IDkey.csv"):
            shared.put_synapse(store, ent, rp["id_key"], "ROSMAP_IDkey.csv")
    for k, (folder, files) in enumerate(sorted(folders.items())):
        synapse_folder(store, folder, files, 92_000_000 + 1000 * k)

    # chain, Eagle archive
    chain = shared.gzip_bytes(offset_chain({c: n for c, n in sizes.items() if c.removeprefix("chr").isdigit()}, OFFSET).encode())
    shared.put_ucsc(store, shared.download_url(cfg, "personal/hg19ToHg38.over.chain.gz"), chain)
    gmap = "chr position COMBINED_rate(cM/Mb) Genetic_Map(cM)\n" + "".join(
        f"{c.removeprefix('chr')} {p} 1.0 {p / 1e6:.6f}\n" for c in sizes if c.removeprefix("chr").isdigit()
        for p in range(0, sizes[c], 50_000))
    store.put(shared.download_url(cfg, "personal/Eagle_v2.4.1.tar.gz"), _tar(
        {"Eagle_v2.4.1/eagle": EAGLE_STANDIN.encode(),
         "Eagle_v2.4.1/tables/genetic_map_hg38_withX.txt.gz": shared.gzip_bytes(gmap.encode())},
        gz=True, modes={"Eagle_v2.4.1/eagle": 0o755}))

    # Enformer folds, GTEx target, published weights, Supplementary Table 1, PredictDB
    bed = "".join(f"{g.chrom}\t{int(g.tss) - 65_536}\t{int(g.tss) + 65_536}\t{f}\n" for g, f in zip(picked.itertuples(), FOLDS))
    store.put(shared.download_url(cfg, "personal/basenji/sequences_human.bed"), bed.encode())
    gt_samples = [f"GTEX-RH{i:03d}-0011-R10a-SM-{i:04d}" for i in range(12)]
    tissue = ["Brain - Cortex" if i % 3 else "Liver" for i in range(12)]
    gids = list(genes["gene_id"])
    tpm = np.exp2(rng.normal(3, 1.5, (len(gids), 1)) + rng.normal(0, 0.3, (len(gids), len(gt_samples))))
    gct = "#1.2\n" + f"{len(gids)}\t{len(gt_samples)}\n" + "Name\tDescription\t" + "\t".join(gt_samples) + "\n" + "".join(
        f"{g}.5\t{n}\t" + "\t".join(f"{v:.3f}" for v in row) + "\n" for g, n, row in zip(gids, genes["gene_name"], tpm))
    store.put(shared.download_url(cfg, "personal/gtex/GTEx_Analysis_2017-06-05_v8_RNASeQCv1.1.9_gene_tpm.gct.gz"),
              shared.gzip_bytes(gct.encode()))
    attr = pd.DataFrame({"SAMPID": gt_samples, "SMATSSCR": 1, "SMTS": [t.split(" - ")[0] for t in tissue], "SMTSD": tissue})
    store.put(shared.download_url(cfg, "personal/gtex/GTEx_Analysis_v8_Annotations_SampleAttributesDS.txt"),
              attr.to_csv(sep="\t", index=False).encode())
    targets = pd.read_csv(io.BytesIO(shared.targets_table("human", shared.reference_data_dir())), sep="\t")
    wts = np.where(rng.random(len(targets)) < 0.13, rng.normal(0, 0.05, len(targets)), 0.0)
    gw = pd.DataFrame({"tracks": list(targets["description"].astype(str)) + ["offset"], "weights": list(wts) + [3.87769]})
    store.put(shared.download_url(cfg, "personal/GTExWeights.csv"), gw.to_csv(index=False).encode())
    st1 = pd.DataFrame({c: "NA" for c in ST1_COLUMNS}, index=range(len(picked)))
    st1["# gene_name"], st1["gene_id"] = list(picked["gene_name"]), list(picked["gene_id"])
    st1["chr_hg38"] = [c.removeprefix("chr") for c in picked["chrom"]]
    st1["tss_hg38"] = (picked["tss"] + 1).astype(int).astype(str).to_list()
    for k in (0, 1, 3):
        c, p = picked.loc[k, "chrom"], int(picked.loc[k, "tss"]) + 2
        st1.loc[k, "SusieCausalCortexhg38"] = st1.loc[k, "SuSieCausalBrainhg38"] = f"{c}_{p}_A_G_b38"
    store.put(shared.download_url(cfg, "personal/SupplementaryTable1.tsv"), st1.to_csv(sep="\t", index=False).encode())
    tar = _tar({"elastic_net_models/en_Brain_Cortex.db": predictdb_bytes(recs, picked, rng)})
    url = shared.download_url(cfg, "personal/elastic_net_eqtl.tar")
    store.put(url, tar)
    rec = url.split("/record/")[1].split("/")[0]
    store.put(f"https://zenodo.org/api/records/{rec}", json.dumps({"id": int(rec), "files": [
        {"key": "elastic_net_eqtl.tar", "size": len(tar), "checksum": f"md5:{hashlib.md5(tar).hexdigest()}"}]}).encode(),
        content_type="application/json")
    log.info("personal: %d GTF genes, %d reference genes (%s personal), %d SNVs, %d WGS / %d RNA individuals, "
             "chromosomes %s", len(genes), len(picked), sorted(personal), len(recs), N_WGS, N_RNA, chroms)
    return {}
