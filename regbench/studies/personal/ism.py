"""Per-SNV attributions on the reference window (Sasse et al. 2023 §1.9, Fig. 1E, 2D).

ISM: the SNV's main ALT allele (most common non-REF base over all haplotypes) is inserted alone
into the reference window; ISM = readout(variant) - readout(reference) on the **raw** sum of the
readout bins of the readout track (``per_SNP_ISM.py``). All variant sequences go through the
inference engine in fp32 (``regbench.predict.device.EFFECTS``, as the spec recommends for ISM;
reference and variants in the same call). Gradient x input (fp32 too): the
gradient of the mean readout at the reference sequence, ``grad[alt] - grad[ref]`` at each SNV
(``gradient_attributions.py``), from ``regbench.predict.attribution.grad_x_input`` when that
module is available (NaN otherwise). Window ISM (every base of a stretch: TSS +-1 kb, driver
+-20 bp) for Supp. Figs. 3 and 11, and gradient profiles for Supp. Fig. 12 / Fig. 2G.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from regbench.workflow import atomic_path

BASE_INDEX = {"A": 0, "C": 1, "G": 2, "T": 3}


def variant_sequences(ref_seq: str, offsets: np.ndarray, alts) -> list[str]:
    """Reference sequence with each single-base substitution applied alone."""
    return [ref_seq[:o] + a + ref_seq[o + 1:] for o, a in zip(offsets, alts)]


def _variant_batches(ref_seq: str, offsets, alts, batch_size: int):
    """The reference, then each substitution alone, as lists of ``batch_size`` strings (the engine
    takes an iterable of batches), so only one batch of 196,608-bp sequences is alive at a time."""
    batch = [ref_seq]
    for o, a in zip(offsets, alts):
        batch.append(ref_seq[:o] + a + ref_seq[o + 1:])
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _readout_reduce(bins, track):
    b = [int(x) for x in bins]
    t = int(track)

    def reduce(out):
        return out[:, b, t].sum(dim=1)

    reduce.__name__ = f"ism_bins_{b[0]}_{b[-1]}_track_{t}"
    return reduce


def snv_ism(model, ref_seq: str, offsets: np.ndarray, alts, bins, track, batch_size=8, *,
            precision: str, log=None) -> tuple[float, np.ndarray]:
    """(reference readout, ISM (n_snv,)) on the raw sum of ``bins`` of ``track``; the variant
    sequences are built one batch at a time."""
    from regbench.predict.engine import predict

    vals = predict(model, _variant_batches(ref_seq, offsets, alts, batch_size), batch_size=batch_size,
                   reduce=_readout_reduce(bins, track), precision=precision, progress=False, log=log)
    vals = np.asarray(vals, dtype=np.float64).reshape(-1)
    return float(vals[0]), vals[1:] - vals[0]


def window_ism(model, seq: str, start: int, end: int, bins, track, batch_size=8, log=None,
               return_ref: bool = False, *, precision: str):
    """(end - start, 4) ISM of every base of ``seq[start:end]`` (raw readout of ``bins`` of
    ``track``; the reference base's entry 0, N positions all 0): the reference and the three
    substitutions of each position, built one batch at a time (TSS +-1 kb of a 196,608-bp window
    is 6,003 variant sequences: never all in memory). ``return_ref``: also the reference readout."""
    from regbench.predict.engine import predict

    offsets, alts = [], []
    for o in range(start, end):
        ref = seq[o]
        for b in "ACGT":
            if b != ref and ref in BASE_INDEX:
                offsets.append(o)
                alts.append(b)
    vals = predict(model, _variant_batches(seq, offsets, alts, batch_size), batch_size=batch_size,
                   reduce=_readout_reduce(bins, track), precision=precision, progress=False, log=log)
    vals = np.asarray(vals, dtype=np.float64).reshape(-1)
    out = np.zeros((end - start, 4), np.float32)
    for o, a, v in zip(offsets, alts, vals[1:]):
        out[o - start, BASE_INDEX[a]] = v - vals[0]
    return (out, float(vals[0])) if return_ref else out


def snv_gradients(model, ref_seq: str, offsets, refs, alts, bins, track, log=None, *, precision: str):
    """(grad[alt] - grad[ref] at each SNV (n_snv,), per-base attribution (L,)) of the mean readout
    at the reference sequence (``gradient_attributions.py``). The attribution of a position is
    the gradient at the reference base minus the mean gradient of the three other bases
    (``cluster_grad_attributions.py``); NaN without an attribution module."""
    try:
        from regbench.predict.attribution import grad_x_input
    except ImportError:
        if log:
            log.warning("regbench.predict.attribution not available: gradient column left NaN")
        return np.full(len(offsets), np.nan), np.full(len(ref_seq), np.nan, np.float32)
    from regbench.genome.onehot import one_hot

    x = one_hot(ref_seq)[None]
    b = [int(v) for v in bins]
    t = int(track)

    def target(out):
        return out[:, b, t].mean(dim=1)

    _gxi, g = grad_x_input(model, x, readout=target, batch_size=1, return_grad=True, precision=precision)
    g = np.asarray(g)[0].reshape(len(ref_seq), 4)
    ri = [BASE_INDEX.get(r, 0) for r in refs]
    ai = [BASE_INDEX.get(a, 0) for a in alts]
    return g[offsets, ai] - g[offsets, ri], reference_attribution(g, x[0])


def reference_attribution(grad: np.ndarray, onehot: np.ndarray) -> np.ndarray:
    """(L,) gradient at the reference base minus the mean of the other three bases' gradients
    (0 at N positions), as ``cluster_grad_attributions.py``; grad, onehot (L, 4)."""
    grad = np.asarray(grad, np.float64)
    onehot = np.asarray(onehot, np.float64)
    at_ref = (grad * onehot).sum(axis=1)
    known = onehot.sum(axis=1) > 0
    out = np.where(known, at_ref - (grad.sum(axis=1) - at_ref) / 3.0, 0.0)
    return out.astype(np.float32)


def gradient_profile(attribution: np.ndarray, window: int = 128) -> np.ndarray:
    """Std of the std-normalised attribution in consecutive ``window``-bp windows (Supp. Fig. 12,
    ``cluster_grad_attributions.py``): (ceil((L - window/2) / window),)."""
    a = np.asarray(attribution, np.float64)
    sd = a.std()
    a = a / sd if sd > 0 else a
    return np.array([a[i:i + window].std() for i in range(0, len(a) - window // 2, window)], np.float32)


def ism_genes(stats: pd.DataFrame, genes: pd.DataFrame) -> set:
    """Genes that get SNV attributions: the XAI genes (BH-significant, |R| > cut) and the example
    genes (genes.tsv ``example``)."""
    out = set(stats.loc[stats["xai"].astype(bool), "gene_id"])
    if "example" in genes:
        out |= set(genes.loc[genes["example"].notna() & (genes["example"].astype(str) != ""), "gene_id"])
    return out


def write_ism_chunk(card: dict, genes_tsv: str, stats_tsv: str, genotypes_npz: str, genome_fa: str,
                    chunk: int, out: str, cfg: dict, log=None, out_npz: str | None = None) -> pd.DataFrame:
    """ism/chunk.tsv for the chunk's ISM genes (:func:`ism_genes`): gene_id, pos (0-based),
    ref, alt, offset (in the model window), ref_pred, ism, grad, frequency (carrier fraction).

    ``out_npz``: per gene the gradient profile (:func:`gradient_profile`, Supp. Fig. 12) as
    ``gene_ids`` + ``profiles`` (n_genes, n_windows), and for the example genes the per-base
    attribution track ``attribution_<gene_id>`` (L,) (Fig. 2G).

    The model, its readout bins and track are those of ``card``
    (:func:`regbench.studies.personal.predictions.load_readout`: the paper's Enformer or a user's
    model, loaded only when the chunk has ISM genes)."""
    from regbench.genome.fasta import Genome
    from regbench.predict.device import EFFECTS
    from regbench.studies.personal.genes import gene_window
    from regbench.studies.personal.genotypes import DosageChunk
    from regbench.studies.personal.predictions import load_readout

    log = log or logging.getLogger(__name__)
    genes = pd.read_csv(genes_tsv, sep="\t")
    stats = pd.read_csv(stats_tsv, sep="\t")
    want = ism_genes(stats, genes)
    genes = genes[(genes["chunk"] == chunk) & genes["gene_id"].isin(want)]
    from regbench.studies.personal.significance import example_genes

    examples = set(example_genes(stats).values())  # configured, else the top significant gene per sign
    cols = ["gene_id", "pos", "ref", "alt", "offset", "ref_pred", "ism", "grad", "frequency"]
    rows, prof_ids, profiles, tracks = [], [], [], {}
    if len(genes):
        dc = DosageChunk(genotypes_npz)
        genome = Genome(genome_fa, aliases="chr")
        model, bins, track = load_readout(card, cfg, log)
        window = int(cfg["window_bp"])
        for g in genes.itertuples():
            start, end = gene_window(g.tss, window)
            gd = dc.gene(g.gene_id)
            m = (gd["pos"] >= start) & (gd["pos"] < end)
            pos = gd["pos"][m]
            refs, alts = gd["ref"][m].astype(str), gd["alt"][m].astype(str)
            freq = (gd["dosage"][m] > 0).mean(axis=1) if gd["dosage"].shape[1] else np.zeros(len(pos))
            ref_seq = genome.fetch(g.chrom, start, end)
            offsets = (pos - start).astype(np.int64)
            ref_pred, ism = snv_ism(model, ref_seq, offsets, alts, bins, track,
                                    int(cfg.get("batch_size", 8)), precision=EFFECTS)
            grad, attr = snv_gradients(model, ref_seq, offsets, refs, alts, bins, track, log,
                                       precision=EFFECTS)
            prof_ids.append(g.gene_id)
            profiles.append(gradient_profile(attr))
            if g.gene_id in examples:
                tracks[f"attribution_{g.gene_id}"] = attr
            log.info("%s: ISM of %d SNVs, max |ISM| %.4g", g.gene_id, len(pos),
                     float(np.abs(ism).max()) if len(ism) else 0.0)
            rows.append(pd.DataFrame({"gene_id": g.gene_id, "pos": pos, "ref": refs, "alt": alts,
                                      "offset": offsets, "ref_pred": ref_pred, "ism": ism,
                                      "grad": grad, "frequency": freq}))
    df = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    if out_npz:
        n_win = len(gradient_profile(np.zeros(int(cfg["window_bp"]))))
        with atomic_path(out_npz, suffix=".npz") as tmp:
            np.savez_compressed(tmp, gene_ids=np.array(prof_ids, dtype=str),
                                profiles=np.array(profiles, np.float32).reshape(len(prof_ids), n_win),
                                **tracks)
    return df


def tss_ism_chunk(genes_tsv: str, stats_tsv: str, genome_fa: str, chunk: int, out_tsv: str, out_npz: str,
                  cfg: dict, enformer_cfg: dict, log=None) -> pd.DataFrame:
    """ISM of every base within TSS +- ``attribution.tss_flank`` (the authors' +-1,000 bp,
    ``TSS_win_ISM.py``) for the chunk's ISM genes, on the reference window: tss_ism/chunk.tsv
    (gene_id, ref_pred, max_abs_ism, std_ism: ``tss_attribution_stats.txt``; std over the three
    substitutions of every position) and the (2 * flank + 1, 4) matrices as ``ism_<gene_id>``."""
    from regbench.genome.fasta import Genome
    from regbench.predict.device import EFFECTS
    from regbench.studies.personal.genes import gene_window
    from regbench.studies.personal.predictions import _model_and_track

    log = log or logging.getLogger(__name__)
    genes = pd.read_csv(genes_tsv, sep="\t")
    stats = pd.read_csv(stats_tsv, sep="\t")
    genes = genes[(genes["chunk"] == chunk) & genes["gene_id"].isin(ism_genes(stats, genes))]
    flank = int(cfg.get("attribution", {}).get("tss_flank", 1000))
    rows, mats = [], {}
    if len(genes):
        genome = Genome(genome_fa, aliases="chr")
        model, track, _ = _model_and_track(enformer_cfg, cfg)
        window = int(cfg["window_bp"])
        for g in genes.itertuples():
            start, end = gene_window(g.tss, window)
            seq = genome.fetch(g.chrom, start, end)
            c = int(g.tss) - start
            m, ref_pred = window_ism(model, seq, c - flank, c + flank + 1, cfg["bins"], track,
                                     int(cfg.get("batch_size", 8)), return_ref=True, precision=EFFECTS)
            known = np.array([b in BASE_INDEX for b in seq[c - flank:c + flank + 1]])
            subs = np.array([[v for k, v in enumerate(row) if k != BASE_INDEX.get(b, -1)]
                             for row, b in zip(m, seq[c - flank:c + flank + 1])], np.float64)
            rows.append((g.gene_id, ref_pred, float(np.abs(m).max()) if m.size else 0.0,
                         float(subs[known].std()) if known.any() else 0.0))
            mats[f"ism_{g.gene_id}"] = m.astype(np.float32)
            log.info("%s: TSS ISM %d positions", g.gene_id, len(m))
    df = pd.DataFrame(rows, columns=["gene_id", "ref_pred", "max_abs_ism", "std_ism"])
    with atomic_path(out_tsv) as tmp:
        df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    with atomic_path(out_npz, suffix=".npz") as tmp:
        np.savez_compressed(tmp, flank=np.int64(flank), **mats)
    return df


def driver_ism_chunk(genes_tsv: str, drivers_tsv: str, genome_fa: str, chunk: int, out_npz: str,
                     cfg: dict, enformer_cfg: dict, log=None) -> pd.DataFrame:
    """ISM of every base within +- ``attribution.driver_flank`` (20 bp) of each main forward
    driver of the chunk's genes, on the reference window and on the reference carrying the
    driver's main ALT (``from_ref_drivers_ISM.py`` / ``from_main_var_drivers_ISM.py``): NPZ with
    ``keys`` (gene_id_pos) and per driver ``ref_<key>`` / ``var_<key>`` (2 * flank + 1, 4) and
    ``seq_<key>`` (the reference bases of the window)."""
    from regbench.genome.fasta import Genome
    from regbench.predict.device import EFFECTS
    from regbench.studies.personal.genes import gene_window
    from regbench.studies.personal.predictions import _model_and_track

    log = log or logging.getLogger(__name__)
    genes = pd.read_csv(genes_tsv, sep="\t")
    genes = genes[genes["chunk"] == chunk].set_index("gene_id")
    drv = pd.read_csv(drivers_tsv, sep="\t")
    drv = drv[drv["main"].astype(bool) & drv["gene_id"].isin(genes.index)]
    flank = int(cfg.get("attribution", {}).get("driver_flank", 20))
    out, keys = {}, []
    if len(drv):
        genome = Genome(genome_fa, aliases="chr")
        model, track, _ = _model_and_track(enformer_cfg, cfg)
        window = int(cfg["window_bp"])
        for d in drv.itertuples():
            g = genes.loc[d.gene_id]
            start, end = gene_window(g["tss"], window)
            seq = genome.fetch(g["chrom"], start, end)
            o = int(d.pos) - start
            var = seq[:o] + str(d.alt) + seq[o + 1:]
            lo, hi = max(0, o - flank), min(window, o + flank + 1)
            key = f"{d.gene_id}_{int(d.pos)}"
            keys.append(key)
            out[f"ref_{key}"] = window_ism(model, seq, lo, hi, cfg["bins"], track, int(cfg.get("batch_size", 8)),
                                           precision=EFFECTS)
            out[f"var_{key}"] = window_ism(model, var, lo, hi, cfg["bins"], track, int(cfg.get("batch_size", 8)),
                                           precision=EFFECTS)
            out[f"seq_{key}"] = np.array(seq[lo:hi])
            log.info("%s: driver window ISM %d positions", key, hi - lo)
    with atomic_path(out_npz, suffix=".npz") as tmp:
        np.savez_compressed(tmp, keys=np.array(keys, dtype=str), flank=np.int64(flank), **out)
    return drv
