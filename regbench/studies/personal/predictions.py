"""Enformer readouts on reference and personal haplotype windows (Sasse et al. 2023 §1.2, §1.6).

The model is ``predict.enformer.EnformerHead`` (human head, (N, L, 4) -> (N, bins, tracks)) run
through the one inference engine; only the centre bins reach the host. A haplotype's score for
a track is an aggregate over the readout bins:

* ``sum_log1p`` (default, SAGEnet): sum_b ln(1 + x_b)
* ``raw_sum`` (the authors' ``basic_pred_gene_expr.py``): sum_b x_b
* ``log_of_sum``: ln(1 + sum_b x_b)

An individual's prediction combines the two haplotypes (``mean`` as in the paper, or ``sum``).
The fine-tuned (elastic-net) prediction of a haplotype is ``features @ coef + intercept`` with
``features`` the per-track aggregate over all tracks, one column per head (published, sklearn).
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


ENSEMBLE_MODES = ("authors", "symmetric")


def authors_ensemble_windows(start: int, end: int, shifts) -> tuple[int, int, list[int], int]:
    """Windows of the authors' 8-pass ensemble (``predict_with_augmented_data.py``) as offsets in
    one extended haplotype window.

    The authors pad a 200,001-bp TSS-centred sequence into the 393,216-bp TF-Hub input with
    ``shift`` extra zeros on the left for ``shift in range(len(shifts))`` (so 0..6 bp, not the
    -3..3 their list names, spec §1.13): the 196,608 bp the model sees start ``shift`` bp further
    upstream. Their reverse-complement pass flips the whole 200,001-bp sequence, so it sees the
    window that starts 1 bp downstream, and they read bins 447-449 of that output unmirrored.

    Returns (ext_start, ext_end, forward offsets (one per shift), rc offset): the extended
    0-based half-open window [ext_start, ext_end) and where each pass's window of length
    ``end - start`` begins inside it.
    """
    shifts = [int(x) for x in shifts]
    ext_start = start - max(0, max(shifts))
    ext_end = end + max(1, -min(shifts))
    return ext_start, ext_end, [start - x - ext_start for x in shifts], start + 1 - ext_start


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
    heads: dict[str, tuple[np.ndarray, float]] | None = None,
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
    cage_log_of_sum, finetuned_<head> for each elastic-net head of ``heads`` (name -> (coef (T,),
    intercept); a haplotype's value is ``readout features @ coef + intercept``) and finetuned (=
    the first head), cage_ensemble (when ``ensemble`` = {mode, rc, shifts} is given), n_haplotypes
    (unique haplotypes of the gene). Haplotypes come from
    ``genome.haplotypes.personal_haplotypes`` (unique sequences + index), so identical haplotypes
    are predicted once.

    Ensembles (the per-pass readout scores are averaged, then the two haplotypes combined):

    * ``mode: authors`` (the code of ED Fig. 1B): one pass per shift (window moved upstream by
      the shift, real flanking sequence) + one reverse-complement pass
      (:func:`authors_ensemble_windows`), 8 passes for shifts 0..6;
    * ``mode: symmetric`` (what the paper describes): the engine's shift x RC ensemble
      (``predict(rc=, shifts=)``: every shift on both strands, shifted-in bases N, RC outputs
      mirrored back); with shifts (0,) and ``n_bins`` the forward pass is reused and only the
      reverse complements are predicted.
    """
    from regbench.studies.personal.sequences import gene_haplotypes
    from regbench.studies.personal.genes import gene_window, vcf_contig

    log = log or logging.getLogger(__name__)
    heads = heads or {}
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
        if heads:
            feats = aggregate(out, readout)
            for k, (name, (coef, intercept)) in enumerate(heads.items()):
                f = feats @ coef + intercept
                cols[f"finetuned_{name}"] = combine_haplotypes(f[idx[:, 0]], f[idx[:, 1]], combine)
                if k == 0:
                    cols["finetuned"] = cols[f"finetuned_{name}"]
        if ensemble:
            s = _ensemble_scores(model, genome, vcf, chrom, start, end, haps, out, bins, track, readout,
                                 ensemble, samples, mode, anchor, batch_size, precision, n_bins)
            cols["cage_ensemble"] = combine_haplotypes(s[:, 0], s[:, 1], combine)
        df = pd.DataFrame(cols)
        df.insert(0, "sample", list(haps.samples))
        df.insert(0, "gene_id", g.gene_id)
        df["n_haplotypes"] = len(haps.sequences)
        parts.append(df)
        log.info("%s: %d unique haplotypes for %d samples", g.gene_id, len(haps.sequences), len(idx))
    if not parts:
        return pd.DataFrame(columns=["gene_id", "sample", "cage", "n_haplotypes"])
    return pd.concat(parts, ignore_index=True)


def _ensemble_scores(model, genome, vcf, chrom, start, end, haps, out, bins, track, readout, ensemble,
                     samples, mode, anchor, batch_size, precision, n_bins) -> np.ndarray:
    """(n_samples, 2) ensembled readout score of each sample's two haplotypes."""
    from regbench.genome.fasta import reverse_complement
    from regbench.studies.personal.sequences import gene_haplotypes

    how = ensemble.get("mode", "authors")
    shifts = tuple(int(x) for x in ensemble.get("shifts", (0,)))
    rc = bool(ensemble.get("rc", True))
    if how == "authors":
        if mode != "snv":
            raise ValueError("ensemble mode 'authors' needs variants: snv (windows of fixed length)")
        lo, hi, offs, rc_off = authors_ensemble_windows(start, end, shifts)
        ext = gene_haplotypes(genome, vcf, chrom, lo, hi, samples=samples, mode=mode, anchor=anchor)
        # the extended window (a few bp wider) has its own unique haplotypes (flank SNVs); each
        # sample's pair is scored on its own extended haplotypes
        L = end - start
        seqs = [q[o:o + L] for q in ext.sequences for o in offs]
        if rc:
            seqs += [reverse_complement(q[rc_off:rc_off + L]) for q in ext.sequences]
        o = predict_bins(model, seqs, bins, batch_size, precision=precision)
        sc = aggregate(o[:, :, [track]], readout)[:, 0]
        n_ext, n_pass = len(ext.sequences), len(offs)
        per = sc[: n_ext * n_pass].reshape(n_ext, n_pass)
        if rc:
            per = np.concatenate([per, sc[n_ext * n_pass:, None]], axis=1)
        if list(ext.samples) != list(haps.samples):
            raise ValueError(f"{chrom}:{lo}-{hi}: sample order of the extended window differs")
        return per.mean(axis=1)[np.asarray(ext.index)]  # (n_samples, 2)
    if how != "symmetric":
        raise ValueError(f"ensemble mode must be one of {ENSEMBLE_MODES}, got {how!r}")
    if out is not None and n_bins and shifts == (0,) and rc:
        rc_out = predict_bins(model, [reverse_complement(q) for q in haps.sequences],
                              [n_bins - 1 - b for b in bins], batch_size, precision=precision)
        out_e = (out + rc_out) / 2.0
    else:
        out_e = predict_bins(model, list(haps.sequences), bins, batch_size, rc=rc, shifts=shifts,
                             precision=precision)
    return aggregate(out_e[:, :, [track]], readout)[:, 0][np.asarray(haps.index)]


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


def load_readout(card: dict, cfg: dict, log=None):
    """The one loader of the study's models: model card -> ``(model, bins, track)``.

    ``model`` maps ``(N, cfg["window_bp"], 4)`` to ``(N, n_bins, T)``; ``bins``: the output bins
    whose readout is the gene's score; ``track``: the output track index.

    * the built-in paper card (:func:`regbench.studies.personal.models.enformer_card`): the
      Enformer head (weights, ``use_tf_gamma``, ``cfg["target_length"]``) on this job's device, the
      study's track ``cfg["track"]`` looked up by description in the card's targets table, the
      study's TSS bins ``cfg["bins"]``;
    * a user card (``models:``, qualified for personal by
      :func:`regbench.leaderboard.cards.qualify`): the registry model with its checkpoint
      (:func:`regbench.leaderboard.cards.pretrained_model`, output shape checked on one batch), the
      card's ``benchmarks.personal.track`` and ``bins`` (else the study's bins).
    """
    if "enformer" in card:
        e = card["enformer"]
        model, track, _ = _model_and_track(e, cfg, e["targets"])
        return model, [int(b) for b in cfg["bins"]], track
    from regbench.leaderboard.cards import pretrained_model, resolve_track

    b = card["benchmarks"]["personal"]
    model, shape = pretrained_model(card, "personal", int(cfg["window_bp"]))
    bins = [int(v) for v in (b.get("bins") or cfg["bins"])]
    track = resolve_track(card, b["track"])
    if max(bins) >= shape[1] or track >= shape[2]:
        raise ValueError(f"models.{card['name']}: personal readout bins {bins} / track {track} outside the output {shape}")
    (log or logging.getLogger(__name__)).info("%s: personal readout track %d bins %s of output %s", card["name"], track,
                                              bins, shape)
    return model, bins, track


def write_personal_chunk(card: dict, genes_tsv: str, genome_fa: str, vcf: str, weights_csvs: dict[str, str], chunk: int,
                         out: str, cfg: dict, log=None) -> None:
    """Personal predictions of a gene chunk by the model of ``card`` (:func:`load_readout`: the
    paper's Enformer or a user's model; long TSV, see :func:`personal_predictions`);
    ``weights_csvs``: elastic-net head name -> weights CSV (first = ``finetuned``; the paper card's
    heads, none for a user card)."""
    from regbench.genome.fasta import Genome
    from regbench.predict.device import study_precision
    from regbench.workflow import atomic_path

    genes = _chunk_genes(genes_tsv, chunk)
    genome = Genome(genome_fa, aliases="chr")
    model, bins, track = load_readout(card, cfg, log)
    heads = {name: read_weights_csv(path) for name, path in weights_csvs.items()}
    df = personal_predictions(
        model, genome, vcf, genes, samples=None, window_bp=int(cfg["window_bp"]),
        bins=bins, track=track, readout=cfg.get("readout", "sum_log1p"),
        combine=cfg.get("haplotype_combine", "mean"), heads=heads,
        mode=cfg.get("variants", "snv"), vcf_prefix=cfg.get("vcf_chrom_prefix", ""),
        batch_size=int(cfg.get("batch_size", 8)), precision=study_precision(cfg, "inference"),
        ensemble=None, log=log,
    )
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")


def write_ensemble_chunk(genes_tsv: str, stats_tsv: str, genome_fa: str, vcf: str, chunk: int, out: str,
                         cfg: dict, enformer_cfg: dict, log=None) -> pd.DataFrame:
    """ED Fig. 1B: ensembled personal predictions (``ensemble`` config: mode, shifts, rc) of the
    chunk's genes, all of them or (``ensemble.genes: significant``) the BH-significant ones of
    gene_stats.tsv. Long TSV gene_id, sample, cage_ensemble."""
    from regbench.genome.fasta import Genome
    from regbench.predict.device import study_precision
    from regbench.studies.personal.genes import gene_window, vcf_contig
    from regbench.studies.personal.sequences import gene_haplotypes
    from regbench.workflow import atomic_path

    log = log or logging.getLogger(__name__)
    ens = cfg.get("ensemble", {})
    genes = _chunk_genes(genes_tsv, chunk)
    if ens.get("genes", "all") == "significant":
        st = pd.read_csv(stats_tsv, sep="\t")
        genes = genes[genes["gene_id"].isin(set(st.loc[st["significant"].astype(bool), "gene_id"]))]
    parts = []
    if len(genes):
        genome = Genome(genome_fa, aliases="chr")
        model, track, _ = _model_and_track(enformer_cfg, cfg)
        window, mode = int(cfg["window_bp"]), cfg.get("variants", "snv")
        for g in genes.itertuples():
            start, end = gene_window(g.tss, window)
            chrom = vcf_contig(g.chrom, cfg.get("vcf_chrom_prefix", ""))
            anchor = g.tss if mode != "snv" else None
            haps = gene_haplotypes(genome, vcf, chrom, start, end, mode=mode, anchor=anchor)
            sc = _ensemble_scores(model, genome, vcf, chrom, start, end, haps, None, cfg["bins"], track,
                                  cfg.get("readout", "sum_log1p"), ens, None, mode, anchor,
                                  int(cfg.get("batch_size", 8)), study_precision(cfg, "inference"), None)
            parts.append(pd.DataFrame({"gene_id": g.gene_id, "sample": list(haps.samples),
                                       "cage_ensemble": combine_haplotypes(sc[:, 0], sc[:, 1],
                                                                           cfg.get("haplotype_combine", "mean"))}))
            log.info("%s: ensemble (%s) of %d haplotypes", g.gene_id, ens.get("mode", "authors"), len(haps.sequences))
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["gene_id", "sample", "cage_ensemble"])
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    return df


def ensemble_stats(stats_tsv: str, ensemble_tsvs, expression: str, out: str) -> pd.DataFrame:
    """Per-gene R of the ensembled predictions with observed expression next to the single-pass R
    (gene_stats ``r``): gene_id, r, r_cage_ensemble, significant, n_samples."""
    from regbench.metrics.correlation import pearson
    from regbench.studies.personal.genes import read_expression
    from regbench.workflow import atomic_path

    st = pd.read_csv(stats_tsv, sep="\t").set_index("gene_id")
    rows = []
    for p in ensemble_tsvs:
        e = pd.read_csv(p, sep="\t")
        if e.empty:
            continue
        expr = read_expression(expression, genes=set(e["gene_id"]))
        for gene, d in e.groupby("gene_id", sort=True):
            if gene not in expr.index or gene not in st.index:
                continue
            d = d.set_index("sample")
            common = sorted(set(d.index) & set(expr.columns))
            r = pearson(d.loc[common, "cage_ensemble"].to_numpy(np.float64), expr.loc[gene, common].to_numpy(np.float64))
            rows.append((gene, float(st.loc[gene, "r"]), r, bool(st.loc[gene, "significant"]), len(common)))
    df = pd.DataFrame(rows, columns=["gene_id", "r", "r_cage_ensemble", "significant", "n_samples"])
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    return df


def read_predictions(paths) -> pd.DataFrame:
    return pd.concat([pd.read_csv(p, sep="\t") for p in paths], ignore_index=True)
