"""Enformer readouts on reference and personal haplotype windows (Sasse et al. 2023 §1.2, §1.6).

The model is ``predict.enformer.EnformerHead`` (human head, (N, L, 4) -> (N, bins, tracks)) run
through the one inference engine; only the centre bins reach the host. A haplotype's score for
a track is an aggregate over the readout bins:

* ``sum_log1p`` (default, SAGEnet): sum_b ln(1 + x_b)
* ``raw_sum`` (the authors' ``basic_pred_gene_expr.py``): sum_b x_b
* ``log_of_sum``: ln(1 + sum_b x_b)

An individual's prediction combines the two haplotypes (``mean`` as in the paper, or ``sum``).
The fine-tuned (elastic-net) prediction of a haplotype is ``features @ coef + intercept`` with
``features`` the per-track aggregate over all tracks.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

READOUTS = ("sum_log1p", "raw_sum", "log_of_sum")


def aggregate(out_bins: np.ndarray, mode: str = "sum_log1p") -> np.ndarray:
    """(N, n_bins, T) readout-bin predictions -> (N, T) per-track scores."""
    x = np.asarray(out_bins, dtype=np.float64)
    if mode == "sum_log1p":
        return np.log1p(np.clip(x, 0, None)).sum(axis=1)
    if mode == "raw_sum":
        return x.sum(axis=1)
    if mode == "log_of_sum":
        return np.log1p(np.clip(x.sum(axis=1), 0, None))
    raise ValueError(f"readout must be one of {READOUTS}, got {mode!r}")


def combine_haplotypes(h1: np.ndarray, h2: np.ndarray, how: str = "mean") -> np.ndarray:
    if how == "mean":
        return (h1 + h2) / 2.0
    if how == "sum":
        return h1 + h2
    raise ValueError(f"haplotype_combine must be 'mean' or 'sum', got {how!r}")


def load_head(weights: str, use_tf_gamma, target_length, log=None):
    """The human head of an Enformer (``predict.enformer``) as an (N, L, 4) -> (N, bins, T) module."""
    from regbench.predict.enformer import EnformerHead, load_enformer

    model = load_enformer(weights, use_tf_gamma=use_tf_gamma, target_length=target_length)
    return EnformerHead(model, head="human")


class BinReadout:
    """Picklable-free reduce: keep output bins ``bins`` of every track -> (N, len(bins), T)."""

    def __init__(self, bins):
        self.bins = list(int(b) for b in bins)

    def __call__(self, out):
        return out[:, self.bins, :]


def predict_bins(model, seqs: list[str], bins, batch_size=8, rc=False, shifts=(0,), *,
                 precision: str, cache=None, log=None) -> np.ndarray:
    """(N, len(bins), T) centre-bin predictions of equal-length sequences through the engine."""
    from regbench.predict.engine import predict

    if not seqs:
        return np.zeros((0, len(bins), getattr(model, "n_tracks", 1)), np.float32)
    b0, b1 = min(bins), max(bins) + 1
    if list(bins) == list(range(b0, b1)):
        reduce = _slice_reduce(b0, b1)
    else:
        reduce = BinReadout(bins)
    return predict(model, seqs, batch_size=batch_size, reduce=reduce, rc=rc, shifts=shifts,
                   cache=cache, precision=precision, progress=False, log=log)


def _slice_reduce(b0: int, b1: int):
    def reduce(out):
        return out[:, b0:b1, :]

    reduce.__name__ = f"bins_{b0}_{b1}"
    return reduce


def reference_features(model, genome, genes: pd.DataFrame, window_bp: int, bins, batch_size=8, *,
                       precision: str, log=None) -> dict[str, np.ndarray]:
    """Per-track features of each gene's reference window: {readout: (n_genes, T)}."""
    from regbench.studies.personal.genes import gene_window

    seqs = [genome.fetch(g.chrom, *gene_window(g.tss, window_bp)) for g in genes.itertuples()]
    out = predict_bins(model, seqs, bins, batch_size, precision=precision, log=log)
    return {m: aggregate(out, m).astype(np.float32) for m in READOUTS}


def personal_predictions(
    model,
    genome,
    vcf: str,
    genes: pd.DataFrame,
    samples: list[str],
    window_bp: int,
    bins,
    track: int,
    readout: str = "sum_log1p",
    combine: str = "mean",
    coef: np.ndarray | None = None,
    intercept: float = 0.0,
    mode: str = "snv",
    vcf_prefix: str = "",
    batch_size: int = 8,
    *,
    precision: str,
    ensemble: dict | None = None,
    log: logging.Logger | None = None,
    n_bins: int | None = None,
) -> pd.DataFrame:
    """Personal predictions of every gene x individual, long format.

    Columns: gene_id, sample, cage (track ``track``, readout ``readout``), cage_raw_sum,
    cage_log_of_sum, finetuned (when ``coef`` is given), cage_ensemble (when ``ensemble`` =
    {rc, shifts} is given; with shifts (0,) and ``n_bins`` (output bins of the model) the forward
    pass is reused and only the reverse complements are predicted), n_haplotypes (unique haplotypes of the gene). Haplotypes come from
    ``genome.haplotypes.personal_haplotypes`` (unique sequences + index), so identical
    haplotypes are predicted once.
    """
    from regbench.studies.personal.sequences import gene_haplotypes
    from regbench.studies.personal.genes import gene_window, vcf_contig

    log = log or logging.getLogger(__name__)
    parts = []
    for g in genes.itertuples():
        start, end = gene_window(g.tss, window_bp)
        chrom = vcf_contig(g.chrom, vcf_prefix)
        anchor = g.tss if mode != "snv" else None
        haps = gene_haplotypes(genome, vcf, chrom, start, end, samples=samples, mode=mode,
                                   anchor=anchor)
        idx = np.asarray(haps.index)
        out = predict_bins(model, list(haps.sequences), bins, batch_size, precision=precision,
                           log=None)
        cols = {}
        for m in READOUTS:
            s = aggregate(out[:, :, [track]], m)[:, 0]
            cols["cage" if m == readout else f"cage_{m}"] = combine_haplotypes(
                s[idx[:, 0]], s[idx[:, 1]], combine)
        if coef is not None:
            f = aggregate(out, readout) @ coef + intercept
            cols["finetuned"] = combine_haplotypes(f[idx[:, 0]], f[idx[:, 1]], combine)
        if ensemble:
            shifts = tuple(ensemble.get("shifts", (0,)))
            if n_bins and shifts == (0,) and ensemble.get("rc", True):
                # RC-only ensemble: reuse the forward pass, predict the reverse complements
                # (output bin b of the forward strand = bin n_bins - 1 - b of the RC strand)
                from regbench.genome.fasta import reverse_complement

                rc_out = predict_bins(model, [reverse_complement(q) for q in haps.sequences],
                                      [n_bins - 1 - b for b in bins], batch_size,
                                      precision=precision)
                out_e = (out + rc_out) / 2.0
            else:
                out_e = predict_bins(model, list(haps.sequences), bins, batch_size,
                                     rc=bool(ensemble.get("rc", True)), shifts=shifts,
                                     precision=precision)
            s = aggregate(out_e[:, :, [track]], readout)[:, 0]
            cols["cage_ensemble"] = combine_haplotypes(s[idx[:, 0]], s[idx[:, 1]], combine)
        df = pd.DataFrame(cols)
        df.insert(0, "sample", list(haps.samples))
        df.insert(0, "gene_id", g.gene_id)
        df["n_haplotypes"] = len(haps.sequences)
        parts.append(df)
        log.info("%s: %d unique haplotypes for %d samples", g.gene_id, len(haps.sequences), len(idx))
    if not parts:
        return pd.DataFrame(columns=["gene_id", "sample", "cage", "n_haplotypes"])
    return pd.concat(parts, ignore_index=True)


def _model_and_track(enformer_cfg: dict, cfg: dict, targets_path: str | None = None):
    from regbench.predict.enformer import read_targets, track_index

    from regbench.predict.device import resolve_device

    model = load_head(enformer_cfg["weights"], enformer_cfg.get("use_tf_gamma"),
                      cfg.get("target_length"))
    model.to(resolve_device())  # this job's own model: on the GPU once, not per engine call
    targets = read_targets(targets_path or enformer_cfg["targets_human"])
    return model, track_index(targets, cfg["track"]), targets


def _chunk_genes(genes_tsv: str, chunk: int) -> pd.DataFrame:
    genes = pd.read_csv(genes_tsv, sep="\t")
    return genes[genes["chunk"] == chunk].reset_index(drop=True)


def write_reference_chunk(genes_tsv: str, genome_fa: str, chunk: int, out: str, cfg: dict,
                          enformer_cfg: dict, log=None) -> None:
    """Reference-window features of a gene chunk -> NPZ (gene_id, and one (n_genes, T) array
    per readout: sum_log1p, raw_sum, log_of_sum)."""
    from regbench.genome.fasta import Genome
    from regbench.predict.device import study_precision
    from regbench.workflow import atomic_path

    genes = _chunk_genes(genes_tsv, chunk)
    genome = Genome(genome_fa, aliases="chr")
    model, _track, _ = _model_and_track(enformer_cfg, cfg)
    if len(genes):
        feats = reference_features(model, genome, genes, int(cfg["window_bp"]), cfg["bins"],
                                   int(cfg.get("batch_size", 8)), precision=study_precision(cfg, "inference"),
                                   log=log)
    else:
        feats = {m: np.zeros((0, model.n_tracks), np.float32) for m in READOUTS}
    with atomic_path(out, suffix=".npz") as tmp:
        np.savez_compressed(tmp, gene_id=genes["gene_id"].to_numpy(str), **feats)


def read_weights_csv(path: str) -> tuple[np.ndarray, float]:
    """Track weights in the authors' GTExWeights.csv layout: ``tracks,weights``; one row per head
    track in track order, then ``offset``. Returns (coef (T,), intercept)."""
    df = pd.read_csv(path)
    if list(df.columns[:2]) != ["tracks", "weights"]:
        from regbench.errors import InputError

        raise InputError(path, "header", "tracks,weights", list(df.columns))
    off = df["tracks"].astype(str) == "offset"
    intercept = float(df.loc[off, "weights"].iloc[0]) if off.any() else 0.0
    return df.loc[~off, "weights"].to_numpy(np.float64), intercept


def write_personal_chunk(genes_tsv: str, genome_fa: str, vcf: str, weights_csv: str, chunk: int,
                         out: str, cfg: dict, enformer_cfg: dict, log=None) -> None:
    """Personal predictions of a gene chunk (long TSV, see :func:`personal_predictions`)."""
    from regbench.genome.fasta import Genome
    from regbench.predict.device import study_precision
    from regbench.workflow import atomic_path

    genes = _chunk_genes(genes_tsv, chunk)
    genome = Genome(genome_fa, aliases="chr")
    model, track, _ = _model_and_track(enformer_cfg, cfg)
    coef, intercept = read_weights_csv(weights_csv)
    ens = cfg.get("ensemble", {})
    df = personal_predictions(
        model, genome, vcf, genes, samples=None, window_bp=int(cfg["window_bp"]),
        bins=cfg["bins"], track=track, readout=cfg.get("readout", "sum_log1p"),
        combine=cfg.get("haplotype_combine", "mean"), coef=coef, intercept=intercept,
        mode=cfg.get("variants", "snv"), vcf_prefix=cfg.get("vcf_chrom_prefix", ""),
        batch_size=int(cfg.get("batch_size", 8)), precision=study_precision(cfg, "inference"),
        ensemble=ens if ens.get("enabled") else None, log=log,
        n_bins=int(cfg["target_length"]) if int(cfg.get("target_length", -1)) > 0
        else int(cfg["window_bp"]) // 128,
    )
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")


def read_predictions(paths) -> pd.DataFrame:
    return pd.concat([pd.read_csv(p, sep="\t") for p in paths], ignore_index=True)
