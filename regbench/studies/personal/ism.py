"""Per-SNV attributions on the reference window (Sasse et al. 2023 §1.9, Fig. 1E, 2D).

ISM: the SNV's main ALT allele (most common non-REF base over all haplotypes) is inserted alone
into the reference window; ISM = readout(variant) - readout(reference) on the **raw** sum of the
readout bins of the readout track (``per_SNP_ISM.py``). All variant sequences go through the
inference engine in fp32 (``regbench.predict.device.EFFECTS``, as the spec recommends for ISM;
reference and variants in the same call). Gradient x input (fp32 too): the
gradient of the mean readout at the reference sequence, ``grad[alt] - grad[ref]`` at each SNV
(``gradient_attributions.py``), from ``regbench.predict.attribution.grad_x_input`` when that
module is available (NaN otherwise).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from regbench.workflow import atomic_path

BASE_INDEX = {"A": 0, "C": 1, "G": 2, "T": 3}


def variant_sequences(ref_seq: str, offsets: np.ndarray, alts) -> list[str]:
    """Reference sequence with each single-base substitution applied alone."""
    out = []
    for o, a in zip(offsets, alts):
        out.append(ref_seq[:o] + a + ref_seq[o + 1:])
    return out


def _readout_reduce(bins, track):
    b = [int(x) for x in bins]
    t = int(track)

    def reduce(out):
        return out[:, b, t].sum(dim=1)

    reduce.__name__ = f"ism_bins_{b[0]}_{b[-1]}_track_{t}"
    return reduce


def snv_ism(model, ref_seq: str, offsets: np.ndarray, alts, bins, track, batch_size=8, *,
            precision: str, log=None) -> tuple[float, np.ndarray]:
    """(reference readout, ISM (n_snv,)) on the raw sum of ``bins`` of ``track``."""
    from regbench.predict.engine import predict

    seqs = [ref_seq] + variant_sequences(ref_seq, offsets, alts)
    vals = predict(model, seqs, batch_size=batch_size, reduce=_readout_reduce(bins, track),
                   precision=precision, progress=False, log=log).astype(np.float64)
    return float(vals[0]), vals[1:] - vals[0]


def snv_gradients(model, ref_seq: str, offsets, refs, alts, bins, track, log=None, *,
                  precision: str) -> np.ndarray:
    """grad[alt] - grad[ref] of the mean readout at each SNV (NaN without attribution module)."""
    try:
        from regbench.predict.attribution import grad_x_input
    except ImportError:
        if log:
            log.warning("regbench.predict.attribution not available: gradient column left NaN")
        return np.full(len(offsets), np.nan)
    from regbench.genome.onehot import one_hot

    x = one_hot(ref_seq)[None]
    b = [int(v) for v in bins]
    t = int(track)

    def target(out):
        return out[:, b, t].mean(dim=1)

    _gxi, g = grad_x_input(model, x, readout=target, batch_size=1, return_grad=True, precision=precision)
    g = np.asarray(g)[0]
    g = g.reshape(len(ref_seq), 4)
    ri = [BASE_INDEX.get(r, 0) for r in refs]
    ai = [BASE_INDEX.get(a, 0) for a in alts]
    return g[offsets, ai] - g[offsets, ri]


def write_ism_chunk(genes_tsv: str, stats_tsv: str, genotypes_npz: str, genome_fa: str,
                    chunk: int, out: str, cfg: dict, enformer_cfg: dict | None, log=None, model=None,
                    track: int | None = None) -> pd.DataFrame:
    """ism/chunk.tsv for the chunk's XAI genes (gene_stats ``xai``): gene_id, pos (0-based),
    ref, alt, offset (in the model window), ref_pred, ism, grad, frequency (carrier fraction).

    The model is the study's Enformer head (``enformer_cfg``, track ``cfg["track"]``) unless
    ``model`` (hook for any profile model, e.g. a leaderboard card: an ``nn.Module`` mapping
    ``(N, cfg["window_bp"], 4)`` to ``(N, bins, T)``, or a zero-argument callable returning one)
    and ``track`` (its output track index) are given; the readout bins are ``cfg["bins"]``."""
    from regbench.genome.fasta import Genome
    from regbench.predict.device import EFFECTS
    from regbench.studies.personal.genes import gene_window
    from regbench.studies.personal.predictions import _model_and_track

    log = log or logging.getLogger(__name__)
    genes = pd.read_csv(genes_tsv, sep="\t")
    stats = pd.read_csv(stats_tsv, sep="\t")
    xai = set(stats.loc[stats["xai"].astype(bool), "gene_id"])
    genes = genes[(genes["chunk"] == chunk) & genes["gene_id"].isin(xai)]
    cols = ["gene_id", "pos", "ref", "alt", "offset", "ref_pred", "ism", "grad", "frequency"]
    rows = []
    if len(genes):
        z = np.load(genotypes_npz)
        genome = Genome(genome_fa, aliases="chr")
        if model is None:
            model, track, _ = _model_and_track(enformer_cfg, cfg)
        else:
            from torch import nn

            if track is None:
                raise ValueError("write_ism_chunk: a model hook needs the readout track index (track=)")
            model = model if isinstance(model, nn.Module) else model()
        window = int(cfg["window_bp"])
        for g in genes.itertuples():
            start, end = gene_window(g.tss, window)
            m = (z["gene"] == g.gene_id) & (z["pos"] >= start) & (z["pos"] < end)
            pos = z["pos"][m]
            refs, alts = z["ref"][m].astype(str), z["alt"][m].astype(str)
            freq = (z["dosage"][m] > 0).mean(axis=1)
            ref_seq = genome.fetch(g.chrom, start, end)
            offsets = (pos - start).astype(np.int64)
            ref_pred, ism = snv_ism(model, ref_seq, offsets, alts, cfg["bins"], track,
                                    int(cfg.get("batch_size", 8)), precision=EFFECTS)
            grad = snv_gradients(model, ref_seq, offsets, refs, alts, cfg["bins"], track, log,
                                 precision=EFFECTS)
            log.info("%s: ISM of %d SNVs, max |ISM| %.4g", g.gene_id, len(pos),
                     float(np.abs(ism).max()) if len(ism) else 0.0)
            rows.append(pd.DataFrame({"gene_id": g.gene_id, "pos": pos, "ref": refs, "alt": alts,
                                      "offset": offsets, "ref_pred": ref_pred, "ism": ism,
                                      "grad": grad, "frequency": freq}))
    df = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    return df
