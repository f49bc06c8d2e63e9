"""Evaluations of one trained model (specs/accessibility.md §5), each returning a long table.

Every evaluation returns a DataFrame with columns ``metric, param, cell, value`` (``cell`` =
``mean`` for the cell-line average) that :func:`run_evaluation` tags with the model's settings
and writes as TSV. Available: ``whole`` (whole-chromosome raw/scaled Pearson and MSE, triangle,
smoothing, test-threshold curve), ``peak`` (per-sequence Pearson on peak-centred and per-cell
IDR test sets), ``binary`` (binary <-> quantitative conversion), ``robustness`` (variation
score), ``cagi`` (standard and robust CAGI5 effects), ``tomtom`` (first-layer filters vs JASPAR),
``gia`` (flanks, distance, cooperativity), ``tracks`` (a stretch of truth and prediction),
``occlusion`` (motif occlusion, Supp. Fig. 2).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.metrics.correlation import pearson
from regbench.studies.accessibility import metrics as M
from regbench.studies.accessibility.datasets import load_split
from regbench.studies.accessibility.experiments import selected

log = logging.getLogger(__name__)


def _rows(metric, param, cells, values) -> list[dict]:
    values = np.asarray(values, dtype=np.float64)
    rows = [{"metric": metric, "param": param, "cell": c, "value": float(v)} for c, v in zip(cells, values)]
    rows.append({"metric": metric, "param": param, "cell": "mean", "value": float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")})
    return rows


def _predict_profiles(f, x, bin_size, binary):
    """Profiles ``(N, L_b, C)``; binary models give ``(N, 1, C)`` of their output."""
    p = np.asarray(f(x), dtype=np.float64)
    return p[:, None, :] if binary or p.ndim == 2 else p


def _chunk(ctx) -> int:
    """Windows per streamed chunk (``evaluation.chunk``): memory is set by it, not by the set size."""
    return int(ctx["ecfg"].get("chunk", 128))


def _empty_table():
    return pd.DataFrame(columns=["metric", "param", "cell", "value"])


def eval_whole(ctx) -> pd.DataFrame:
    """Whole-chromosome evaluation (§5.1-5.5), streamed over the test windows in genomic order:
    raw/scaled Pearson and MSE (streaming moments), per-sequence Pearson, the resolution
    triangle, box-car smoothing of the concatenated tracks (:class:`.metrics.StreamingBoxcar`)
    and the test-threshold curve (per-window Pearson and maxima kept, ``(N, C)``)."""
    from regbench.metrics.correlation import StreamingPearson
    from regbench.studies.accessibility.datasets import iter_split

    spec, ecfg = ctx["spec"], ctx["ecfg"]
    if spec["binary"]:
        return _empty_table()
    b0 = int(spec["bin"])
    raw = tri = smooth = box = None
    per_seq, ymax, cells = [], [], None
    for ch in iter_split(ctx["datasets"]["whole"], "test", _chunk(ctx), bin_size=b0, fields=("x", "y", "y_bp")):
        p = _predict_profiles(ctx["f"], ch["x"], b0, False)
        y = np.asarray(ch["y"], np.float64)
        if raw is None:
            cells, C, Lb = ch["cells"], y.shape[-1], y.shape[1]
            raw = StreamingPearson(C)
            tri = {b1: StreamingPearson(C) for b1 in M.BIN_SIZES if b1 > b0 and b1 <= Lb * b0}
            wins = [int(w) for w in ecfg.get("smooth_windows", []) if int(w) > b0]
            smooth = {w: StreamingPearson(C) for w in wins}
            box = {w: (M.StreamingBoxcar(w, C), M.StreamingBoxcar(w, C)) for w in wins}
        raw.update(y, p)
        per_seq.append(np.asarray(pearson(y, p, axis=1)).reshape(len(y), -1))
        ymax.append(np.asarray(ch["y_bp"]).max(axis=1))
        for b1, acc in tri.items():
            acc.update(M.change_resolution(y, b0, b1), M.change_resolution(p, b0, b1))
        if box:
            yb, pb = M.upsample(y, b0).reshape(-1, C), M.upsample(p, b0).reshape(-1, C)
            for w, (sy, sp) in box.items():
                smooth[w].update(sy.push(yb), sp.push(pb))
    if raw is None:
        return _empty_table()
    for w, (sy, sp) in box.items():
        smooth[w].update(sy.finish(), sp.finish())
    r = raw.r()
    rows = _rows("pearson_whole", "raw", cells, r)
    rows += _rows("mse_whole", "raw", cells, raw.mse_scaled(1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        s = raw.mean_x / raw.mean_y  # sum(Y) / sum(P) per cell line (Methods "Scaling predictions")
    if np.isfinite(s).all():
        rows += _rows("pearson_whole", "scaled", cells, np.where(s > 0, r, np.where(s < 0, -r, np.nan)))
        rows += _rows("mse_whole", "scaled", cells, raw.mse_scaled(s))
    per_seq, ymax = np.concatenate(per_seq), np.concatenate(ymax)
    rows += _rows("pearson_per_seq", "whole", cells, M.nanmean_columns(per_seq))
    for b1, acc in tri.items():
        rows += _rows("pearson_triangle", str(b1), cells, acc.r())
    rows += _rows("pearson_triangle", str(b0), cells, r)
    for w in ecfg.get("smooth_windows", []):
        if int(w) == b0:
            rows += _rows("pearson_smooth", str(w), cells, r)
        elif int(w) > b0:
            rows += _rows("pearson_smooth", str(w), cells, smooth[int(w)].r())
    for thr in ecfg.get("test_thresholds", []):
        mask = (ymax > thr).any(axis=-1)
        if mask.sum() >= 2:
            rows += _rows("pearson_test_threshold", str(thr), cells, M.nanmean_columns(per_seq[mask]))
    return pd.DataFrame(rows)


def eval_tracks(ctx) -> pd.DataFrame:
    """Truth and prediction (upsampled to 32-bp steps) on the first ``tracks_windows`` windows."""
    from regbench.studies.accessibility.datasets import load_split, split_size

    spec, ecfg = ctx["spec"], ctx["ecfg"]
    path = ctx["datasets"]["whole"]
    n = min(int(ecfg.get("tracks_windows", 20)), split_size(path, "test"))
    d = load_split(path, "test", bin_size=spec["bin"], rows=np.arange(n))
    p = _predict_profiles(ctx["f"], d["x"], spec["bin"], False)
    up = M.upsample(p, int(spec["bin"]))
    rows = []
    step = int(ecfg.get("tracks_step", 32))
    for i in range(n):
        ch, st = d["coords"]["chrom"][i], int(d["coords"]["start"][i])
        for j in range(0, up.shape[1], step):
            for c, cell in enumerate(d["cells"]):
                rows.append({"metric": "track", "param": f"{ch}:{st + j}", "cell": cell, "value": float(up[i, j, c]), "truth": float(d["y_bp"][i, j : j + step, c].mean())})
    return pd.DataFrame(rows)


def _per_sequence_stream(ctx, path, bin_size, crop, whole: bool):
    """Per-window Pearson ``(N, C)`` (and the whole-set accumulator) of a test set, streamed."""
    from regbench.metrics.correlation import StreamingPearson
    from regbench.studies.accessibility.datasets import iter_split

    per_seq, acc, cells = [], None, None
    for ch in iter_split(path, "test", _chunk(ctx), bin_size=bin_size, crop=crop, fields=("x", "y")):
        p = _predict_profiles(ctx["f"], ch["x"], bin_size, False)
        y = np.asarray(ch["y"], np.float64)
        cells = ch["cells"]
        per_seq.append(np.asarray(pearson(y, p, axis=1)).reshape(len(y), -1))
        if whole:
            acc = acc or StreamingPearson(y.shape[-1])
            acc.update(y, p)
    r = np.concatenate(per_seq) if per_seq else np.zeros((0, 0))
    return r, acc, cells


def eval_peak(ctx) -> pd.DataFrame:
    """Per-sequence (and whole) Pearson on the peak-centred test set and, per cell line, the
    per-sequence Pearson of that cell on its own IDR test set (Supp Table 2), streamed."""
    spec = ctx["spec"]
    if spec["binary"]:
        return _empty_table()
    L = int(ctx["cfg"]["input_length"])
    r, acc, cells = _per_sequence_stream(ctx, ctx["datasets"]["peak"], spec["bin"], L, True)
    if acc is None:
        return _empty_table()
    rows = _rows("pearson_per_seq", "peak", cells, M.nanmean_columns(r))
    rows += _rows("pearson_whole", "peak", cells, acc.r())
    for cell, path in ctx["datasets"].get("idr", {}).items():
        ri, _, ci = _per_sequence_stream(ctx, path, spec["bin"], L, False)
        if len(ri) < 2:
            continue
        c = ci.index(cell)
        rows.append({"metric": "pearson_per_seq_idr", "param": cell, "cell": cell, "value": float(M.nanmean_columns(ri[:, c : c + 1])[0])})
    return pd.DataFrame(rows)


def eval_binary(ctx) -> pd.DataFrame:
    """AUROC/AUPR on binary test sets and coverage Pearson on quantitative test sets (§5.6);
    per-window scores ``(N, C)`` are kept, the windows streamed."""
    from regbench.studies.accessibility.datasets import iter_split

    spec, ecfg = ctx["spec"], ctx["ecfg"]
    L = int(ctx["cfg"]["input_length"])
    rows = []
    aupr = ecfg.get("aupr", "trapezoid")
    for name in ("binary_peak", "binary_whole"):
        labels, scores = [], []
        for ch in iter_split(ctx["datasets"][name], "test", _chunk(ctx), crop=L, fields=("x", "labels")):
            labels.append(ch["labels"])
            if spec["binary"]:
                scores.append(np.asarray(ctx["f"](ch["x"])))
            else:
                scores.append(_predict_profiles(ctx["f"], ch["x"], spec["bin"], False).sum(axis=1))
        sc = M.binary_scores(np.concatenate(labels), np.concatenate(scores), aupr=aupr)
        label = name.split("_")[1]
        rows.append({"metric": "auroc", "param": label, "cell": "mean", "value": sc["auroc"]})
        rows.append({"metric": "aupr", "param": label, "cell": "mean", "value": sc["aupr"]})
    fl = ctx.get("f_logits") or ctx["f"]
    for name, label in (("peak", "peak"), ("whole", "whole")):
        target, scores, cells = [], [], None
        for ch in iter_split(ctx["datasets"][name], "test", _chunk(ctx), crop=L, fields=("x", "y_bp")):
            cells = ch["cells"]
            target.append(np.asarray(ch["y_bp"], np.float64).mean(axis=1))
            if spec["binary"]:
                scores.append(np.asarray(fl(ch["x"])))
            else:
                scores.append(_predict_profiles(ctx["f"], ch["x"], spec["bin"], False).mean(axis=1))
        r = pearson(np.concatenate(target), np.asarray(np.concatenate(scores), np.float64), axis=0)
        rows += _rows("pearson_coverage", label, cells, r)
    return pd.DataFrame(rows)


def eval_robustness(ctx) -> pd.DataFrame:
    """Variation score over K random shifts of the peak-centred 3072-bp test windows (§5.7),
    aggregated per window (a few windows at a time; K x window x cells predictions per chunk)."""
    from regbench.studies.accessibility.datasets import iter_split

    spec, ecfg = ctx["spec"], ctx["ecfg"]
    if spec["binary"]:
        return _empty_table()
    L = int(ctx["cfg"]["input_length"])
    b = int(spec["bin"])
    rng = np.random.default_rng(int(ecfg.get("robust_seed", 0)))
    k = int(ecfg.get("robust_shifts", 20))
    offs, v_all, r_all, cells = None, [], [], None
    chunk = max(1, _chunk(ctx) // max(1, k // 4))
    for ch in iter_split(ctx["datasets"]["peak"], "test", chunk, fields=("x", "y_bp")):
        x, y_bp = ch["x"], np.asarray(ch["y_bp"], np.float64)
        W = x.shape[1]
        span = W - L
        if offs is None:
            cells = ch["cells"]
            offs = rng.integers(0, span, size=k)
        preds = np.stack([M.upsample(_predict_profiles(ctx["f"], x[:, o : o + L], b, False), b) for o in offs])
        v, _ = M.variation_score(preds, offs, span=span, centre=span)
        v_all.append(np.where(np.isfinite(v), v, np.nan))
        c0 = span // 2
        centre = M.upsample(_predict_profiles(ctx["f"], x[:, c0 : c0 + L], b, False), b)[:, c0 : c0 + span]
        r_all.append(np.asarray(pearson(y_bp[:, span : 2 * span], centre, axis=1)).reshape(len(x), -1))
    if offs is None:
        return _empty_table()
    with np.errstate(invalid="ignore"):
        vc = np.nanmean(np.concatenate(v_all), axis=0)
    rows = _rows("variation_score", "peak", cells, vc)
    rows += _rows("pearson_per_seq", "robust_centre", cells, M.nanmean_columns(np.concatenate(r_all)))
    return pd.DataFrame(rows)


def eval_cagi(ctx) -> pd.DataFrame:
    """Standard and robust CAGI5 effects per element (§5.8); per-variant effects to ``extra``.
    Variants are one-hot encoded ``evaluation.chunk`` at a time from their uint8 codes."""
    from regbench.studies.accessibility import cagi
    from regbench.genome.onehot import codes_one_hot

    spec, ecfg = ctx["spec"], ctx["ecfg"]
    L = int(ctx["cfg"]["input_length"])
    with np.load(ctx["datasets"]["cagi"], allow_pickle=False) as z:
        ref, alt = z["ref"], z["alt"]
    table = pd.read_csv(ctx["datasets"]["cagi_table"], sep="\t")
    span = ref.shape[1] - L
    bin_size = None if spec["binary"] else int(spec["bin"])
    chunk = _chunk(ctx)
    rows, per_variant = [], {}
    for mode in ("standard", "robust"):
        offs = cagi.shift_offsets(mode, int(ecfg.get("cagi_shifts", 10)), span, int(ecfg.get("robust_seed", 0)))
        s_ref, s_alt = [], []
        for i in range(0, len(ref), chunk):
            s_ref.append(cagi.window_sums(ctx["f"], codes_one_hot(ref[i : i + chunk], n_value=0.25), offs, L, bin_size))
            s_alt.append(cagi.window_sums(ctx["f"], codes_one_hot(alt[i : i + chunk], n_value=0.25), offs, L, bin_size))
        eff = cagi.log_ratio_effects(np.concatenate(s_ref), np.concatenate(s_alt), ecfg.get("cagi_aggregate", "mean_log_ratio"))
        per_variant[mode] = eff
        el = cagi.element_scores(table, eff)
        for r in el.itertuples(index=False):
            rows.append({"metric": f"cagi_{mode}", "param": r.element, "cell": "mean", "value": float(r.pearson)})
        rows.append({"metric": f"cagi_{mode}", "param": "mean", "cell": "mean", "value": float(np.nanmean(el["pearson"]))})
    ctx["extra"] = table.assign(effect_standard=per_variant["standard"], effect_robust=per_variant["robust"])
    if bin_size is not None:
        element = ctx["cfg"].get("panels", {}).get("cagi_example_element", "TERT-GBM")
        rows += cagi_example_rows(ctx, table, ref, alt, per_variant["standard"], element)
    return pd.DataFrame(rows)


def cagi_example_rows(ctx, table: pd.DataFrame, ref: np.ndarray, alt: np.ndarray, effect: np.ndarray, element) -> list[dict]:
    """Fig 5a data (QuantPred ``explain.visualize_vcf``): in ``element`` (None = the element whose
    measured values vary most), the variant with the largest |standard effect| and the cell line
    with the largest |log2(alt/ref)| of the centre-crop prediction; rows ``cagi_example_variant``
    (param ``<element>|<chrom>:<pos><ref>><alt>``, value = that log2 ratio) and the predicted
    profiles ``cagi_example_ref`` / ``cagi_example_alt`` (param ``<element>|<bin index>``, one row
    per output bin of the centre crop). ``ref``/``alt``: uint8 codes. Empty when the element is
    not in the table."""
    from regbench.genome.onehot import codes_one_hot

    if element is None:
        element = table.groupby("element")["value"].var().idxmax()
    idx = np.flatnonzero(table["element"].to_numpy() == element)
    if not len(idx):
        return []
    i = int(idx[np.argmax(np.abs(np.asarray(effect)[idx]))])
    L = int(ctx["cfg"]["input_length"])
    off = (ref.shape[1] - L) // 2
    pr = np.asarray(ctx["f"](codes_one_hot(ref[i : i + 1, off : off + L], n_value=0.25)), dtype=np.float64)[0]  # (L_out, C)
    pa = np.asarray(ctx["f"](codes_one_hot(alt[i : i + 1, off : off + L], n_value=0.25)), dtype=np.float64)[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log2(pa.sum(axis=0) / pr.sum(axis=0))
    c = int(np.nanargmax(np.abs(np.where(np.isfinite(ratio), ratio, np.nan)))) if np.isfinite(ratio).any() else 0
    cell = ctx["cells"][c]
    r = table.iloc[i]
    rows = [{"metric": "cagi_example_variant", "param": f"{element}|{r['chrom']}:{int(r['pos'])}{r['ref']}>{r['alt']}", "cell": cell, "value": float(ratio[c])}]
    for name, p in (("cagi_example_ref", pr), ("cagi_example_alt", pa)):
        rows += [{"metric": name, "param": f"{element}|{j}", "cell": cell, "value": float(v)} for j, v in enumerate(p[:, c])]
    return rows


def eval_tomtom(ctx) -> pd.DataFrame:
    """First-layer filters -> PPMs -> Tomtom (Supp Table 4, §5.11) on the first
    ``tomtom_max_seqs`` peak-centred test windows, streamed in batches (two passes: filter
    maxima, then alignments; :func:`.filters.streamed_ppms`)."""
    import h5py

    from regbench.studies.accessibility import filters as F
    from regbench.studies.accessibility.datasets import onehot_view

    ecfg = ctx["ecfg"]
    L = int(ctx["cfg"]["input_length"])
    with h5py.File(ctx["datasets"]["peak"], "r") as h5:
        codes = h5["test"]["codes"]
        n = min(int(ecfg.get("tomtom_max_seqs", 500)), len(codes))
        x = onehot_view(codes, crop=L)
        ppms = F.streamed_ppms(ctx["model"], x, n, window=int(ecfg.get("filter_window", 24)), batch_size=int(ecfg.get("batch_size", 64)),
                                   device=ctx.get("device"))
    queries = {f"filter{i}": F.clip_ppm(p) for i, p in enumerate(ppms)}
    targets = F.read_meme(ctx["datasets"]["jaspar"])
    hits = F.tomtom_hits(queries, targets, q_threshold=float(ecfg.get("tomtom_q", 0.5)))
    planted = ecfg.get("planted_motifs")
    summ = F.hit_summary(hits, len(queries), planted=planted)
    ctx["tomtom_hits"] = hits.rename(columns={"query": "filter"})
    return pd.DataFrame([{"metric": k, "param": "tomtom", "cell": "mean", "value": float(v)} for k, v in summ.items()])


def _pool(ctx, path, threshold: float, crop=None) -> np.ndarray:
    """Indices of test windows whose coverage exceeds ``threshold`` in any cell (streamed)."""
    from regbench.studies.accessibility.datasets import iter_split

    masks = [M.threshold_mask(ch["y_bp"], threshold) for ch in iter_split(path, "test", _chunk(ctx) * 8, crop=crop, fields=("y_bp",))]
    return np.flatnonzero(np.concatenate(masks)) if masks else np.zeros(0, np.int64)


def gia_background(ctx, n: int, seed: int) -> np.ndarray:
    """Dinucleotide-shuffled whole-chromosome test windows with coverage > 2 in any cell (§5.9)."""
    from regbench.genome.onehot import decode, one_hot
    from regbench.studies.accessibility.gia import dinuc_shuffle

    path = ctx["datasets"]["whole"]
    pool = _pool(ctx, path, float(ctx["ecfg"]["gia"].get("pool_threshold", 2)))
    rng = np.random.default_rng(seed)
    pick = rng.permutation(pool)[:n]
    x = load_split(path, "test", rows=pick)["x"]
    seqs = decode(x)
    seqs = [s.replace("N", "A") for s in ([seqs] if isinstance(seqs, str) else seqs)]
    return one_hot([dinuc_shuffle(s, rng) for s in seqs])


def eval_gia(ctx) -> pd.DataFrame:
    """GIA addition experiment of the paper (§5.9, :func:`.gia.motif_pair_experiment`) for every
    motif pair of ``evaluation.gia.motif_pairs``; GI per cell line. Rows:

    * ``gia_flank``: param ``<pattern>|<variant>``, every variant of every wildcard pattern;
    * ``gia_best_flank``: param ``<pattern>|<variant>`` (the chosen cell's best variant);
    * ``gia_distance``: param ``<pair>|<pos>|<relative>`` (relative = edge-to-edge distance, empty
      when the motifs overlap); pair = ``<p1>+<p2>``;
    * ``gia_coop`` (param ``<pair>|motif1|motif2|both``) and per sequence ``gia_coop_seq``
      (param ``<pair>|<what>|<i>``);
    * ``gia_best``: param ``<pair>|<m1>|<m2>|<best pos>|<relative>``, cell = the chosen cell.
    """
    from regbench.studies.accessibility import gia as G

    ecfg = ctx["ecfg"]["gia"]
    f = ctx.get("f_logits") or ctx["f"]
    x0 = gia_background(ctx, int(ecfg["n_sequences"]), int(ecfg.get("seed", 0)))
    cells = ctx["cells"]
    cell = ecfg.get("cell")
    if cell not in cells:
        raise ValueError(f"accessibility.evaluation.gia.cell {cell!r} is not one of the model's cell lines {cells}")
    cell_i = cells.index(cell)
    res = G.motif_pair_experiment(f, x0, [tuple(p) for p in ecfg["motif_pairs"]], cell_i,
                                  distance_step=int(ecfg.get("distance_step", 2)), distance_window=ecfg.get("distance_window"),
                                  best_distance=ecfg.get("best_distance", "any"), group_seqs=int(ctx["ecfg"].get("batch_size", 64)) * 4)
    centre = res["centre"]
    rows = []
    for pat, (variants, gi) in res["flanks"].items():
        if "." in pat:
            for v, g in zip(variants, gi):
                rows += [{"metric": "gia_flank", "param": f"{pat}|{v}", "cell": c, "value": float(x)} for c, x in zip(cells, g)]
        b = res["best"][pat]
        rows.append({"metric": "gia_best_flank", "param": f"{pat}|{b}", "cell": cell, "value": float(gi[variants.index(b), cell_i])})
    for label, r in res["pairs"].items():
        m1, m2 = r["m1"], r["m2"]
        for pos, g in zip(r["positions"], r["distance"]):
            rel = G.relative_distance(pos, centre, len(m1), len(m2))
            rows += [{"metric": "gia_distance", "param": f"{label}|{pos}|{'' if rel is None else rel}", "cell": c, "value": float(x)}
                     for c, x in zip(cells, g)]
        for what, per in r["coop"].items():
            rows += [{"metric": "gia_coop", "param": f"{label}|{what}", "cell": c, "value": float(x)} for c, x in zip(cells, per.mean(axis=0))]
            rows += [{"metric": "gia_coop_seq", "param": f"{label}|{what}|{i}", "cell": c, "value": float(per[i, j])}
                     for i in range(per.shape[0]) for j, c in enumerate(cells)]
        rel = G.relative_distance(r["best_pos"], centre, len(m1), len(m2))
        best_val = r["distance"][r["positions"].index(r["best_pos"]), cell_i]
        rows.append({"metric": "gia_best", "param": f"{label}|{m1}|{m2}|{r['best_pos']}|{'' if rel is None else rel}", "cell": cell,
                     "value": float(best_val)})
    return pd.DataFrame(rows)


def eval_occlusion(ctx) -> pd.DataFrame:
    """Motif occlusion (Supp. Fig. 2, §5.10): whole-chromosome test windows with coverage >
    ``pool_threshold`` in any cell, ``n`` sampled (seeded); every ``pattern`` match occluded
    (``copies`` random fills), plus the background control of :mod:`.occlusion`.

    Rows (mean over output positions, per cell line and ``mean``): ``occlusion_original`` /
    ``occlusion_removed`` / ``occlusion_background`` (mean coverage) and
    ``occlusion_effect_motif`` / ``occlusion_effect_background`` (occluded - original), with
    ``param`` = number of motif instances (``1``, ``2``, ``3+``, ``all``);
    ``occlusion_n_seqs`` (sequences per group); per sequence ``occlusion_seq`` with ``param`` =
    ``<seq_idx>|<group>|<original|removed|background>``.
    """
    import h5py

    from regbench.studies.accessibility import occlusion as O
    from regbench.studies.accessibility.datasets import _crop_start, onehot_view
    from regbench.studies.accessibility.datasets import _rows as h5_rows

    spec, oc = ctx["spec"], ctx["ecfg"]["occlusion"]
    L = int(ctx["cfg"]["input_length"])
    path = ctx["datasets"]["whole"]
    pool = _pool(ctx, path, float(oc.get("pool_threshold", 2)), crop=L)
    rng = np.random.default_rng(int(oc.get("seed", 42)))
    pick = np.sort(rng.choice(pool, size=min(int(oc.get("n_windows", 10000)), len(pool)), replace=False))
    with h5py.File(path, "r") as h5:
        codes = h5_rows(h5["test"]["codes"], pick)  # uint8 (n, W): one-hot is made per chunk
    s0 = _crop_start(codes.shape[1], L)
    codes = np.ascontiguousarray(codes[:, s0 : s0 + L])
    letters = np.frombuffer(b"ACGTN", dtype=np.uint8)
    seqs = [letters[c].tobytes().decode() for c in codes]
    matches = O.find_matches(seqs, oc.get("pattern", "TGA.TCA"))
    keep = [i for i, m in enumerate(matches) if m]
    cells = ctx["cells"]
    rows = []
    if not keep:
        return pd.DataFrame([{"metric": "occlusion_n_seqs", "param": "all", "cell": "mean", "value": 0.0}])
    model = ctx["model"]
    if spec["binary"]:
        import copy

        model = copy.deepcopy(model)
        model.logits = True
    eff = O.occlusion_effects(model, onehot_view(codes[keep]), [matches[i] for i in keep], n_copies=int(oc.get("copies", 25)),
                              seed=int(oc.get("seed", 42)), fill=oc.get("fill", "random"), control=True,
                              batch_size=int(ctx["ecfg"].get("batch_size", 64)), device=ctx.get("device"),
                              precision=ctx["precision"])
    n_inst = np.array([len(matches[i]) for i in keep])
    groups = np.array([O.instance_group(n) for n in n_inst])
    for g in ["1", "2", "3+", "all"]:
        m = np.ones(len(keep), bool) if g == "all" else groups == g
        rows.append({"metric": "occlusion_n_seqs", "param": g, "cell": "mean", "value": float(m.sum())})
        if not m.any():
            continue
        for kind in ("original", "removed", "background"):
            rows += _rows(f"occlusion_{kind}", g, cells, eff[kind][m].mean(axis=0))
        rows += _rows("occlusion_effect_motif", g, cells, (eff["removed"] - eff["original"])[m].mean(axis=0))
        rows += _rows("occlusion_effect_background", g, cells, (eff["background"] - eff["original"])[m].mean(axis=0))
    for j, i in enumerate(keep):
        for kind in ("original", "removed", "background"):
            rows += [{"metric": "occlusion_seq", "param": f"{int(pick[i])}|{groups[j]}|{kind}", "cell": c, "value": float(v)}
                     for c, v in zip(cells, eff[kind][j])]
    return pd.DataFrame(rows)


# compared at small differences: always fp32 (regbench.predict.device.EFFECTS); the others use the
# study's precision.inference
EFFECT_EVALUATIONS = ("cagi", "gia", "occlusion")


def eval_history(ctx) -> pd.DataFrame:
    """Training summary from the model's ``history.tsv`` (Supp Fig 1 sweeps): best and last
    validation loss, epochs run, best epoch (param ``history``). Empty without a model folder (a pretrained model)."""
    path = Path(ctx["model_dir"]) / "history.tsv" if ctx.get("model_dir") else None
    if path is None or not path.exists():
        return _empty_table()
    h = pd.read_csv(path, sep="\t")
    vals = {"valid_loss_best": float(h["valid_loss"].min()), "valid_loss_last": float(h["valid_loss"].iloc[-1]),
            "epochs_run": float(h["epoch"].max()), "best_epoch": float(h.loc[h["valid_loss"].idxmin(), "epoch"])}
    return pd.DataFrame([{"metric": k, "param": "history", "cell": "mean", "value": v} for k, v in vals.items()])


EVALUATIONS = {
    "whole": eval_whole,
    "tracks": eval_tracks,
    "peak": eval_peak,
    "binary": eval_binary,
    "robustness": eval_robustness,
    "cagi": eval_cagi,
    "tomtom": eval_tomtom,
    "gia": eval_gia,
    "occlusion": eval_occlusion,
    "history": eval_history,
}


def run_evaluations(names: list[str], spec: dict, cfg: dict, model, cells: list[str], datasets: dict, out, extra_out=None,
                    device=None, log=None, hits_out=None, model_dir=None) -> pd.DataFrame:
    """Run every evaluation in ``names`` that :func:`selected` allows on the loaded ``model`` of
    ``spec``; write one long table ``out`` (column ``evaluation`` added), the CAGI per-variant
    effects to ``extra_out`` and the per-filter Tomtom hits (columns model, filter, target, p, q;
    significant hits only) to ``hits_out`` (each empty when its evaluation is not run).

    ``model``: an ``nn.Module`` mapping ``(N, input_length, 4)`` to ``(N, input_length //
    spec["bin"], len(cells))`` (binary models: ``(N, len(cells))``) with its tracks in the order of
    ``cells``: what :func:`regbench.studies.accessibility.experiments.load_model` returns for a
    trained model folder or a pretrained model card. ``model_dir``: the trained model's folder
    (its ``history.tsv`` for the ``history`` evaluation; None: no history).

    ``datasets``: paths of the evaluation inputs (whole, peak, binary_peak, binary_whole, idr
    {cell: path}, cagi (NPZ of ref/alt codes), cagi_table, jaspar (MEME)).

    Predictions run on ``device`` (default: CUDA when visible) at ``cfg["precision"]["inference"]``
    (fp32 for CAGI, GIA and occlusion, :data:`EFFECT_EVALUATIONS`); the model is left where it
    was found after every evaluation.
    """
    import time

    from regbench.predict.device import EFFECTS, study_precision
    from regbench.studies.accessibility.experiments import model_slug, predictor
    from regbench.workflow import atomic_path

    log = log or logging.getLogger(__name__)
    slug = model_slug(spec)
    ecfg = cfg["evaluation"]
    bs = int(ecfg.get("batch_size", 64))
    bulk = study_precision(cfg, "inference")
    parts, extra, hits = [], pd.DataFrame(), pd.DataFrame(columns=["filter", "target", "p", "q"])
    for name in names:
        if not selected(name, slug, cfg):
            continue
        t0 = time.time()
        prec = EFFECTS if name in EFFECT_EVALUATIONS else bulk
        ctx = {"spec": spec, "cfg": cfg, "ecfg": ecfg, "datasets": datasets, "model": model, "cells": cells,
               "model_dir": model_dir, "device": device, "precision": prec,
               "f": predictor(model, bs, device, precision=prec)}
        if spec["binary"]:
            ctx["f_logits"] = predictor(model, bs, device, logits=True, precision=prec)
        df = EVALUATIONS[name](ctx)
        df.insert(0, "evaluation", name)
        parts.append(df)
        if name == "cagi":
            extra = ctx["extra"]
        if name == "tomtom":
            hits = ctx["tomtom_hits"]
        log.info("evaluation %s of %s: %d rows in %.1f s", name, slug, len(df), time.time() - t0)
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["evaluation", "metric", "param", "cell", "value"])
    for k in ("arch", "dataset", "loss", "bin", "aug", "seed", "binary"):
        df.insert(0, k, spec[k] if spec[k] is not None else "na")
        if len(extra):
            extra.insert(0, k, spec[k] if spec[k] is not None else "na")
    df.insert(0, "model", slug)
    if len(extra):
        extra.insert(0, "model", slug)
    hits.insert(0, "model", slug)
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", index=False)
    if extra_out is not None:
        with atomic_path(extra_out) as tmp:
            extra.to_csv(tmp, sep="\t", index=False)
    if hits_out is not None:
        with atomic_path(hits_out) as tmp:
            hits.to_csv(tmp, sep="\t", index=False)
    return df


def replicate_ceiling(whole_path, rep2_bigwigs: list[str], bins: list[int], out, cells: list[str] | None = None, chunk: int = 256) -> pd.DataFrame:
    """Experimental ceiling (Supp. Table 5): whole-chromosome Pearson of replicate 1 (the stored
    targets) vs replicate 2 at each bin size, per cell line, streamed ``chunk`` windows at a
    time (rep2 read for the same windows).

    ``cells``: the cell lines of ``rep2_bigwigs`` (same order) when only some have a second
    replicate (GM21381, HG03575 have one); default all stored cells.
    """
    from regbench.genome.tracks import read_windows
    from regbench.metrics.correlation import StreamingPearson
    from regbench.studies.accessibility.datasets import iter_split
    from regbench.workflow import atomic_path

    accs, sel, names = None, None, None
    for ch in iter_split(whole_path, "test", chunk, fields=("y_bp", "coords")):
        if accs is None:
            stored = ch["cells"]
            if cells is not None:
                missing = [c for c in cells if c not in stored]
                if missing or len(cells) != len(rep2_bigwigs):
                    raise ValueError(f"replicate_ceiling: cells {cells} must be stored cells of {whole_path} "
                                     f"({stored}), one per rep2 bigWig ({len(rep2_bigwigs)})")
                sel, names = [stored.index(c) for c in cells], list(cells)
            else:
                sel, names = list(range(len(stored))), stored
            length = ch["y_bp"].shape[1]
            accs = {int(b): StreamingPearson(len(sel)) for b in bins if length % int(b) == 0}
        co = ch["coords"]
        y1 = np.asarray(ch["y_bp"], np.float64)[..., sel]
        y2 = np.stack([read_windows(bw, co["chrom"].to_numpy(), co["start"].to_numpy(), co["end"].to_numpy()) for bw in rep2_bigwigs], axis=-1).astype(np.float64)
        for b, acc in accs.items():
            acc.update(M.change_resolution(y1, 1, b), M.change_resolution(y2, 1, b))
    rows = []
    for b, acc in (accs or {}).items():
        rows += [{"bin": b, **row} for row in _rows("pearson_rep1_rep2", str(b), names, acc.r())]
    df = pd.DataFrame(rows)
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", index=False)
    return df
