"""Sequence and ISM context of driver SNVs (Sasse et al. 2023 Supp. Figs. 8 and 11).

* :func:`driver_window_stats` (Supp. Fig. 11, ``extract_ism_stats_around_drivers.py``): the ISM
  of every base within +-20 bp of each main driver, on the reference and on the reference carrying
  the driver's ALT, divided by the gene's TSS-ISM standard deviation (``tss_attribution_stats``);
  per position importance z = -(sum of the three substitutions' ISM) / 3; per window the z at the
  driver, the largest |z|, and the "motif size" at each threshold: the number of contiguous
  positions around the driver whose z has the driver's sign and at least that magnitude.
* :func:`kmer_clusters` (Supp. Fig. 8, ``find_common_motifs.py``): the 13-mers centred on the
  drivers (reference and variant), aligned pairwise with ungapped shifts (:func:`alignment_scores`);
  complete-linkage clustering at distance 1 - score <= ``cut`` (sklearn
  ``AgglomerativeClustering``); per cluster the supported / unsupported driver counts and a
  two-sided Fisher exact test against the rest. Simplification: the authors allow ``max_gap``
  consecutive mismatches with >= (min_size - max_gap) / min_size coverage inside a stretch; here a
  stretch holds at most ``max_gap`` mismatches in total.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BASE_INDEX = {"A": 0, "C": 1, "G": 2, "T": 3}
THRESHOLDS = (1.64, 1.96, 2.58, 3.29)


def importance(window_ism: np.ndarray, ref_bases: str, std: float) -> np.ndarray:
    """(n,) z = -(sum of the three substitutions' ISM) / 3 / ``std`` per position of a
    (n, 4) window ISM (the reference base's entry is 0, so the row sum is the three)."""
    m = np.asarray(window_ism, np.float64)
    s = std if std and np.isfinite(std) and std > 0 else 1.0
    return -m.sum(axis=1) / 3.0 / s


def motif_size(z: np.ndarray, centre: int, thresholds=THRESHOLDS) -> np.ndarray:
    """Per threshold, the number of contiguous positions around ``centre`` (inclusive) whose z has
    the sign of z[centre] and magnitude >= the threshold (0 when the centre itself is below)."""
    z = np.asarray(z, np.float64)
    sign = np.sign(z[centre]) or 1.0
    out = []
    for t in thresholds:
        if abs(z[centre]) < t:
            out.append(0)
            continue
        n = 1
        for step in (1, -1):
            k = centre + step
            while 0 <= k < len(z) and sign * z[k] >= t:
                n += 1
                k += step
        out.append(n)
    return np.array(out, dtype=np.int64)


def driver_window_stats(driver_npzs, tss_tsvs, drivers: pd.DataFrame, thresholds=THRESHOLDS) -> pd.DataFrame:
    """One row per main driver with window ISM: gene_id, pos, supported, gene_r, and for the
    reference (``ref_``) and variant (``var_``) background: z_centre, max_abs_z, size_<t> per
    threshold. ``drivers``: drivers.tsv (forward drivers, main flag, supported, gene_r)."""
    tss = pd.concat([pd.read_csv(p, sep="\t") for p in tss_tsvs], ignore_index=True) if tss_tsvs else \
        pd.DataFrame(columns=["gene_id", "std_ism"])
    std = dict(zip(tss["gene_id"], tss["std_ism"]))
    info = drivers.set_index(drivers["gene_id"] + "_" + drivers["pos"].astype(int).astype(str))
    rows = []
    for path in driver_npzs:
        with np.load(path, allow_pickle=False) as z:
            for key in z["keys"].astype(str):
                gene, pos = key.rsplit("_", 1)
                seq = str(z[f"seq_{key}"])
                row = {"gene_id": gene, "pos": int(pos),
                       "supported": bool(info.loc[key, "supported"]) if key in info.index else np.nan,
                       "gene_r": float(info.loc[key, "gene_r"]) if key in info.index else np.nan,
                       "tss_std": float(std.get(gene, np.nan))}
                for bg in ("ref", "var"):
                    zz = importance(z[f"{bg}_{key}"], seq, std.get(gene, np.nan))
                    c = min(int(z["flank"]), len(zz) - 1)
                    row[f"{bg}_z_centre"] = float(zz[c])
                    row[f"{bg}_max_abs_z"] = float(np.abs(zz).max())
                    for t, n in zip(thresholds, motif_size(zz, c, thresholds)):
                        row[f"{bg}_size_{t:g}"] = int(n)
                rows.append(row)
    return pd.DataFrame(rows)


def alignment_scores(kmers: list[str], min_size: int = 5, max_gap: int = 1) -> np.ndarray:
    """(n, n) similarity of equal-length k-mers centred on drivers (1 on the diagonal).

    For every ungapped shift of one k-mer against the other, the best stretch [l, r] of the
    overlap that contains both driver centres, starts and ends with a match, is at least
    ``min_size`` long and holds at most ``max_gap`` mismatches scores its number of matches; the
    pair's score is the best over shifts divided by the k-mer length (N never matches).
    Vectorised over pairs: O(shifts x stretches x pairs)."""
    n = len(kmers)
    if n == 0:
        return np.zeros((0, 0))
    L = len(kmers[0])
    if any(len(x) != L for x in kmers):
        raise ValueError("k-mers must have equal length")
    codes = np.array([[BASE_INDEX.get(ch, 4) for ch in x] for x in kmers], dtype=np.int8)
    c = L // 2
    iu, ju = np.triu_indices(n, 1)
    best = np.zeros(len(iu), np.int64)
    for shift in range(-(L - min_size), L - min_size + 1):
        lo, hi = max(0, shift), min(L, L + shift)  # a[i] aligned with b[i - shift]
        need = (c, c + shift)
        if not all(lo <= x < hi for x in need):
            continue
        a, b = codes[iu, lo:hi], codes[ju, lo - shift:hi - shift]
        m = (a == b) & (a < 4)
        cm = np.concatenate([np.zeros((len(iu), 1), np.int64), np.cumsum(~m, axis=1)], axis=1)
        nl, nr = min(need) - lo, max(need) - lo
        for left in range(0, nl + 1):
            for right in range(nr, hi - lo):
                if right - left + 1 < min_size:
                    continue
                mism = cm[:, right + 1] - cm[:, left]
                ok = (mism <= max_gap) & m[:, left] & m[:, right]
                best = np.maximum(best, np.where(ok, right - left + 1 - mism, 0))
    out = np.eye(n)
    out[iu, ju] = out[ju, iu] = best / L
    return out


def kmer_clusters(kmers: list[str], supported, cut: float = 0.25, min_size: int = 5,
                  max_gap: int = 1) -> tuple[np.ndarray, pd.DataFrame]:
    """(cluster label per k-mer, per-cluster table: cluster, n, n_supported, n_unsupported,
    fisher_p) by complete linkage on 1 - :func:`alignment_scores` with distance threshold ``cut``."""
    from scipy import stats
    from sklearn.cluster import AgglomerativeClustering

    n = len(kmers)
    supported = np.asarray(supported, bool)
    if n < 2:
        labels = np.zeros(n, np.int64)
    else:
        d = 1.0 - alignment_scores(kmers, min_size, max_gap)
        labels = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="complete",
                                         distance_threshold=cut).fit(d).labels_
    rows = []
    for lab in np.unique(labels):
        m = labels == lab
        a, b = int((supported & m).sum()), int((~supported & m).sum())
        c, e = int((supported & ~m).sum()), int((~supported & ~m).sum())
        p = stats.fisher_exact([[a, b], [c, e]]).pvalue if (a + b) and (c + e) else 1.0
        rows.append((int(lab), int(m.sum()), a, b, float(p)))
    table = pd.DataFrame(rows, columns=["cluster", "n", "n_supported", "n_unsupported", "fisher_p"])
    return labels, table.sort_values("n", ascending=False).reset_index(drop=True)


def run_driver_motifs(drivers_tsv: str, stats_tsv: str, genes_tsv: str, genome_fa: str, driver_npzs,
                      tss_tsvs, out_window_stats: str, out_kmers: str, out_clusters: str, cfg: dict,
                      log=None) -> None:
    """Supp. Figs. 8 and 11 tables for the XAI genes' forward drivers (see module doc).

    kmers.tsv: gene_id, pos, background (ref/var), kmer, supported, main, cluster;
    kmer_clusters.tsv: background, cluster, n, n_supported, n_unsupported, fisher_p."""
    from regbench.genome.fasta import Genome
    from regbench.workflow import atomic_path

    acfg = cfg.get("attribution", {})
    k = int(acfg.get("kmer_flank", 6))
    drv = pd.read_csv(drivers_tsv, sep="\t")
    st = pd.read_csv(stats_tsv, sep="\t")
    xai = set(st.loc[st["xai"].astype(bool), "gene_id"])
    drv = drv[drv["gene_id"].isin(xai)].reset_index(drop=True)
    genes = pd.read_csv(genes_tsv, sep="\t").set_index("gene_id")
    ws = driver_window_stats(list(driver_npzs), list(tss_tsvs), drv)
    ws = ws[ws["gene_id"].isin(xai)] if len(ws) else ws
    genome = Genome(genome_fa, aliases="chr")
    krows, crows = [], []
    for bg in ("ref", "var"):
        kmers = []
        for d in drv.itertuples():
            s = genome.fetch(genes.loc[d.gene_id, "chrom"], int(d.pos) - k, int(d.pos) + k + 1)
            if bg == "var":
                s = s[:k] + str(d.alt) + s[k + 1:]
            kmers.append(s)
        labels, table = kmer_clusters(kmers, drv["supported"].astype(bool).to_numpy(), float(acfg.get("kmer_cut", 0.25)),
                                      int(acfg.get("kmer_min_size", 5)), int(acfg.get("kmer_max_gap", 1)))
        krows.append(pd.DataFrame({"gene_id": drv["gene_id"], "pos": drv["pos"], "background": bg, "kmer": kmers,
                                   "supported": drv["supported"], "main": drv["main"], "cluster": labels}))
        crows.append(table.assign(background=bg))
    kmers_df = pd.concat(krows, ignore_index=True) if krows else pd.DataFrame()
    clusters = pd.concat(crows, ignore_index=True) if crows else pd.DataFrame()
    for path, df in ((out_window_stats, ws), (out_kmers, kmers_df), (out_clusters, clusters)):
        with atomic_path(path) as tmp:
            df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    if log:
        log.info("driver windows: %d main drivers; k-mers: %d drivers, %d ref clusters", len(ws), len(drv),
                 int((clusters["background"] == "ref").sum()) if len(clusters) else 0)
