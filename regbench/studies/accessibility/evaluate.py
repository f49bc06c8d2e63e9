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

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.studies.accessibility import metrics as M
from regbench.studies.accessibility.datasets import load_split

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


def eval_whole(ctx) -> pd.DataFrame:
    spec, ecfg = ctx["spec"], ctx["ecfg"]
    d = load_split(ctx["datasets"]["whole"], "test", bin_size=spec["bin"] or None)
    cells = d["cells"]
    rows = []
    if spec["binary"]:
        return pd.DataFrame(rows, columns=["metric", "param", "cell", "value"])
    b0 = int(spec["bin"])
    p = _predict_profiles(ctx["f"], d["x"], b0, False)
    y = d["y"]
    rows += _rows("pearson_whole", "raw", cells, M.whole_pearson(y, p))
    rows += _rows("mse_whole", "raw", cells, M.whole_mse(y, p))
    s = M.scaling_factors(y, p)
    if np.isfinite(s).all():
        ps = M.scale_predictions(y, p)
        rows += _rows("pearson_whole", "scaled", cells, M.whole_pearson(y, ps))
        rows += _rows("mse_whole", "scaled", cells, M.whole_mse(y, ps))
    rows += _rows("pearson_per_seq", "whole", cells, M.per_sequence_pearson(y, p))
    for b1 in M.BIN_SIZES:
        if b1 > b0 and b1 <= p.shape[1] * b0:
            rows += _rows("pearson_triangle", str(b1), cells, M.whole_pearson(M.change_resolution(y, b0, b1), M.change_resolution(p, b0, b1)))
    rows += _rows("pearson_triangle", str(b0), cells, M.whole_pearson(y, p))
    for w in ecfg.get("smooth_windows", []):
        if w >= b0:
            rows += _rows("pearson_smooth", str(w), cells, M.smoothed_whole_pearson(y, p, b0, int(w)))
    for thr in ecfg.get("test_thresholds", []):
        mask = M.threshold_mask(d["y_bp"], thr)
        if mask.sum() >= 2:
            rows += _rows("pearson_test_threshold", str(thr), cells, M.per_sequence_pearson(y[mask], p[mask]))
    return pd.DataFrame(rows)


def eval_tracks(ctx) -> pd.DataFrame:
    """Truth and prediction (upsampled to 32-bp steps) on the first ``tracks_windows`` windows."""
    spec, ecfg = ctx["spec"], ctx["ecfg"]
    d = load_split(ctx["datasets"]["whole"], "test", bin_size=spec["bin"])
    n = min(int(ecfg.get("tracks_windows", 20)), len(d["x"]))
    p = _predict_profiles(ctx["f"], d["x"][:n], spec["bin"], False)
    up = M.upsample(p, int(spec["bin"]))
    rows = []
    step = int(ecfg.get("tracks_step", 32))
    for i in range(n):
        ch, st = d["coords"]["chrom"][i], int(d["coords"]["start"][i])
        for j in range(0, up.shape[1], step):
            for c, cell in enumerate(d["cells"]):
                rows.append({"metric": "track", "param": f"{ch}:{st + j}", "cell": cell, "value": float(up[i, j, c]), "truth": float(d["y_bp"][i, j : j + step, c].mean())})
    return pd.DataFrame(rows)


def eval_peak(ctx) -> pd.DataFrame:
    spec = ctx["spec"]
    rows = []
    if spec["binary"]:
        return pd.DataFrame(rows, columns=["metric", "param", "cell", "value"])
    L = int(ctx["cfg"]["input_length"])
    d = load_split(ctx["datasets"]["peak"], "test", bin_size=spec["bin"], crop=L)
    p = _predict_profiles(ctx["f"], d["x"], spec["bin"], False)
    rows += _rows("pearson_per_seq", "peak", d["cells"], M.per_sequence_pearson(d["y"], p))
    rows += _rows("pearson_whole", "peak", d["cells"], M.whole_pearson(d["y"], p))
    for cell, path in ctx["datasets"].get("idr", {}).items():
        di = load_split(path, "test", bin_size=spec["bin"], crop=L)
        if len(di["x"]) < 2:
            continue
        c = di["cells"].index(cell)
        pi = _predict_profiles(ctx["f"], di["x"], spec["bin"], False)
        r = M.per_sequence_pearson(di["y"][..., c : c + 1], pi[..., c : c + 1])[0]
        rows.append({"metric": "pearson_per_seq_idr", "param": cell, "cell": cell, "value": float(r)})
    return pd.DataFrame(rows)


def eval_binary(ctx) -> pd.DataFrame:
    """AUROC/AUPR on binary test sets and coverage Pearson on quantitative test sets (§5.6)."""
    spec, ecfg = ctx["spec"], ctx["ecfg"]
    L = int(ctx["cfg"]["input_length"])
    rows = []
    aupr = ecfg.get("aupr", "trapezoid")
    for name in ("binary_peak", "binary_whole"):
        d = load_split(ctx["datasets"][name], "test", crop=L)
        if spec["binary"]:
            score = np.asarray(ctx["f"](d["x"]))
        else:
            score = _predict_profiles(ctx["f"], d["x"], spec["bin"], False).sum(axis=1)
        sc = M.binary_scores(d["labels"], score, aupr=aupr)
        label = name.split("_")[1]
        rows.append({"metric": "auroc", "param": label, "cell": "mean", "value": sc["auroc"]})
        rows.append({"metric": "aupr", "param": label, "cell": "mean", "value": sc["aupr"]})
    fl = ctx.get("f_logits") or ctx["f"]
    for name, label in (("peak", "peak"), ("whole", "whole")):
        d = load_split(ctx["datasets"][name], "test", crop=L)
        if spec["binary"]:
            score = np.asarray(fl(d["x"]))
        else:
            score = _predict_profiles(ctx["f"], d["x"], spec["bin"], False).mean(axis=1)
        rows += _rows("pearson_coverage", label, d["cells"], M.coverage_pearson(d["y_bp"], score))
    return pd.DataFrame(rows)


def eval_robustness(ctx) -> pd.DataFrame:
    """Variation score over K random shifts of the peak-centred 3072-bp test windows (§5.7)."""
    spec, ecfg = ctx["spec"], ctx["ecfg"]
    if spec["binary"]:
        return pd.DataFrame(columns=["metric", "param", "cell", "value"])
    L = int(ctx["cfg"]["input_length"])
    d = load_split(ctx["datasets"]["peak"], "test", bin_size=spec["bin"])
    x, y_bp = d["x"], np.asarray(d["y_bp"], np.float64)
    W = x.shape[1]
    span = W - L
    rng = np.random.default_rng(int(ecfg.get("robust_seed", 0)))
    offs = rng.integers(0, span, size=int(ecfg.get("robust_shifts", 20)))
    preds = np.stack([M.upsample(_predict_profiles(ctx["f"], x[:, o : o + L], spec["bin"], False), int(spec["bin"])) for o in offs])
    v, _ = M.variation_score(preds, offs, span=span, centre=span)
    with np.errstate(invalid="ignore"):
        vc = np.nanmean(np.where(np.isfinite(v), v, np.nan), axis=0)
    rows = _rows("variation_score", "peak", d["cells"], vc)
    c0 = span // 2
    centre = M.upsample(_predict_profiles(ctx["f"], x[:, c0 : c0 + L], spec["bin"], False), int(spec["bin"]))[:, c0 : c0 + span]
    truth = y_bp[:, span : 2 * span]
    rows += _rows("pearson_per_seq", "robust_centre", d["cells"], M.per_sequence_pearson(truth, centre))
    return pd.DataFrame(rows)


def eval_cagi(ctx) -> pd.DataFrame:
    """Standard and robust CAGI5 effects per element (§5.8); per-variant effects to ``extra``."""
    from regbench.studies.accessibility import cagi

    spec, ecfg = ctx["spec"], ctx["ecfg"]
    L = int(ctx["cfg"]["input_length"])
    with np.load(ctx["datasets"]["cagi"], allow_pickle=False) as z:
        ref, alt = z["ref"], z["alt"]
    table = pd.read_csv(ctx["datasets"]["cagi_table"], sep="\t")
    from regbench.studies.accessibility.datasets import codes_to_onehot

    xr, xa = codes_to_onehot(ref), codes_to_onehot(alt)
    span = xr.shape[1] - L
    bin_size = None if spec["binary"] else int(spec["bin"])
    rows, per_variant = [], {}
    for mode in ("standard", "robust"):
        offs = cagi.shift_offsets(mode, int(ecfg.get("cagi_shifts", 10)), span, int(ecfg.get("robust_seed", 0)))
        s_ref = cagi.window_sums(ctx["f"], xr, offs, L, bin_size)
        s_alt = cagi.window_sums(ctx["f"], xa, offs, L, bin_size)
        eff = cagi.log_ratio_effects(s_ref, s_alt, ecfg.get("cagi_aggregate", "mean_log_ratio"))
        per_variant[mode] = eff
        el = cagi.element_scores(table, eff)
        for r in el.itertuples(index=False):
            rows.append({"metric": f"cagi_{mode}", "param": r.element, "cell": "mean", "value": float(r.pearson)})
        rows.append({"metric": f"cagi_{mode}", "param": "mean", "cell": "mean", "value": float(np.nanmean(el["pearson"]))})
    ctx["extra"] = table.assign(effect_standard=per_variant["standard"], effect_robust=per_variant["robust"])
    return pd.DataFrame(rows)


def eval_tomtom(ctx) -> pd.DataFrame:
    from regbench.studies.accessibility import filters as F

    ecfg = ctx["ecfg"]
    L = int(ctx["cfg"]["input_length"])
    d = load_split(ctx["datasets"]["peak"], "test", crop=L)
    x = d["x"][: int(ecfg.get("tomtom_max_seqs", 500))]
    act = F.filter_activations(ctx["model"], x, batch_size=int(ecfg.get("batch_size", 64)), device=ctx.get("device"))
    x_al = x if act.shape[1] == x.shape[1] else x[:, : act.shape[1]]
    ppms = F.activation_ppms(x_al, act, window=int(ecfg.get("filter_window", 24)))
    queries = {f"filter{i}": F.clip_ppm(p) for i, p in enumerate(ppms)}
    targets = F.read_meme(ctx["datasets"]["jaspar"])
    hits = F.tomtom_hits(queries, targets, q_threshold=float(ecfg.get("tomtom_q", 0.5)))
    planted = ecfg.get("planted_motifs")
    summ = F.hit_summary(hits, len(queries), planted=planted)
    ctx["tomtom_hits"] = hits.rename(columns={"query": "filter"})
    return pd.DataFrame([{"metric": k, "param": "tomtom", "cell": "mean", "value": float(v)} for k, v in summ.items()])


def gia_background(ctx, n: int, seed: int) -> np.ndarray:
    """Dinucleotide-shuffled whole-chromosome test windows with coverage > 2 in any cell (§5.9)."""
    from regbench.genome.onehot import decode, one_hot
    from regbench.studies.accessibility.gia import dinuc_shuffle

    d = load_split(ctx["datasets"]["whole"], "test")
    pool = np.flatnonzero(M.threshold_mask(d["y_bp"], float(ctx["ecfg"]["gia"].get("pool_threshold", 2))))
    rng = np.random.default_rng(seed)
    pick = rng.permutation(pool)[:n]
    seqs = decode(d["x"][pick])
    seqs = [s.replace("N", "A") for s in ([seqs] if isinstance(seqs, str) else seqs)]
    return one_hot([dinuc_shuffle(s, rng) for s in seqs])


def eval_gia(ctx) -> pd.DataFrame:
    """GIA flanks (all pattern variants at the centre), distance scan of motif 2 around the
    best motif 1, and cooperativity at the best distance (§5.9); GI per cell line."""
    from regbench.studies.accessibility import gia as G

    ecfg = ctx["ecfg"]["gia"]
    f = ctx.get("f_logits") or ctx["f"]
    x0 = gia_background(ctx, int(ecfg["n_sequences"]), int(ecfg.get("seed", 0)))
    L = x0.shape[1]
    centre = L // 2
    f_null = np.asarray(f(x0))
    cells = ctx["cells"]
    rows = []
    variants = G.expand_pattern(ecfg["flank_pattern"])
    gis = []
    for v in variants:
        gi = G.global_importance(f, x0, f_null, [(v, centre)])
        gis.append(gi)
        rows += [{"metric": "gia_flank", "param": v, "cell": c, "value": float(g)} for c, g in zip(cells, gi)]
    gis = np.array(gis)
    cell_i = cells.index(ecfg["cell"]) if ecfg.get("cell") in cells else 0
    m1 = variants[int(np.argmax(gis[:, cell_i]))] if ecfg.get("motif1") in (None, "best") else ecfg["motif1"]
    m2 = ecfg["motif2"]
    step = int(ecfg.get("distance_step", 2))
    lo, hi = max(0, centre - int(ecfg.get("distance_window", 250)) - len(m2)), min(L - len(m2), centre + len(m1) + int(ecfg.get("distance_window", 250)))
    best_pos, best_val = None, -np.inf
    for pos in range(lo, hi, step):
        gi = G.global_importance(f, x0, f_null, [(m1, centre), (m2, pos)])
        rel = G.relative_distance(pos, centre, len(m1), len(m2))
        rows += [{"metric": "gia_distance", "param": f"{pos}|{'' if rel is None else rel}", "cell": c, "value": float(g)} for c, g in zip(cells, gi)]
        if rel is not None and gi[cell_i] > best_val:
            best_pos, best_val = pos, gi[cell_i]
    for label, motifs in (("motif1", [(m1, centre)]), ("motif2", [(m2, best_pos)]), ("both", [(m1, centre), (m2, best_pos)])):
        per = G.global_importance(f, x0, f_null, motifs, per_sequence=True)
        rows += [{"metric": "gia_coop", "param": label, "cell": c, "value": float(g)} for c, g in zip(cells, per.mean(axis=0))]
        rows += [{"metric": "gia_coop_seq", "param": f"{label}|{i}", "cell": c, "value": float(per[i, j])} for i in range(per.shape[0]) for j, c in enumerate(cells)]
    rows.append({"metric": "gia_best", "param": f"{m1}|{m2}|{best_pos}|{G.relative_distance(best_pos, centre, len(m1), len(m2))}", "cell": cells[cell_i], "value": float(best_val)})
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
    from regbench.genome.onehot import decode
    from regbench.studies.accessibility import occlusion as O

    spec, oc = ctx["spec"], ctx["ecfg"]["occlusion"]
    L = int(ctx["cfg"]["input_length"])
    d = load_split(ctx["datasets"]["whole"], "test", crop=L)
    pool = np.flatnonzero(M.threshold_mask(d["y_bp"], float(oc.get("pool_threshold", 2))))
    rng = np.random.default_rng(int(oc.get("seed", 42)))
    pick = np.sort(rng.choice(pool, size=min(int(oc.get("n_windows", 10000)), len(pool)), replace=False))
    seqs = decode(d["x"][pick])
    seqs = [seqs] if isinstance(seqs, str) else seqs
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
    eff = O.occlusion_effects(model, d["x"][pick[keep]], [matches[i] for i in keep], n_copies=int(oc.get("copies", 25)),
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
}


def selected(evaluation: str, slug: str, cfg: dict) -> bool:
    """Whether ``evaluation`` runs on model ``slug`` (``evaluation_models`` slug substrings)."""
    sel = cfg.get("evaluation_models", {}).get(evaluation)
    return not sel or any(s in slug for s in sel)


def run_evaluations(names: list[str], spec: dict, cfg: dict, model_dir, datasets: dict, out, extra_out=None, device=None, log=None,
                    hits_out=None, model=None, cells: list[str] | None = None) -> pd.DataFrame:
    """Load the model of ``spec`` from ``model_dir`` once and run every evaluation in ``names``
    that :func:`selected` allows; write one long table ``out`` (column ``evaluation`` added),
    the CAGI per-variant effects to ``extra_out`` and the per-filter Tomtom hits (columns model,
    filter, target, p, q; significant hits only) to ``hits_out`` (each empty when its
    evaluation is not run).

    ``datasets``: paths of the evaluation inputs (whole, peak, binary_peak, binary_whole, idr
    {cell: path}, cagi (NPZ of ref/alt codes), cagi_table, jaspar (MEME)).

    ``model`` (hook for a pretrained model, e.g. a leaderboard card read out without training):
    an ``nn.Module`` mapping ``(N, input_length, 4)`` to ``(N, input_length // spec["bin"],
    len(cells))`` with its tracks in the order of ``cells`` (the study's cell lines); then
    ``model_dir`` is not read and ``cells`` is required.

    Predictions run on ``device`` (default: CUDA when visible) at ``cfg["precision"]["inference"]``
    (fp32 for CAGI, GIA and occlusion, :data:`EFFECT_EVALUATIONS`); the model is left where it
    was found after every evaluation.
    """
    import time

    from regbench.predict.device import EFFECTS, study_precision
    from regbench.studies.accessibility.experiments import load_model, model_slug, predictor
    from regbench.workflow import atomic_path

    log = log or logging.getLogger(__name__)
    slug = model_slug(spec)
    if model is None:
        info = json.loads((Path(model_dir) / "spec.json").read_text())
        cells = info["cells"]
        model = load_model(spec, cfg, model_dir, len(cells))
    elif not cells:
        raise ValueError("run_evaluations: a model hook needs the cell lines its tracks stand for (cells=)")
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
               "device": device, "precision": prec, "f": predictor(model, bs, device, precision=prec)}
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


def replicate_ceiling(whole_path, rep2_bigwigs: list[str], bins: list[int], out, cells: list[str] | None = None) -> pd.DataFrame:
    """Experimental ceiling (Supp. Table 5): whole-chromosome Pearson of replicate 1 (the stored
    targets) vs replicate 2 at each bin size, per cell line.

    ``cells``: the cell lines of ``rep2_bigwigs`` (same order) when only some have a second
    replicate (GM21381, HG03575 have one); default all stored cells.
    """
    from regbench.genome.tracks import read_windows
    from regbench.workflow import atomic_path

    d = load_split(whole_path, "test")
    co = d["coords"]
    y1 = np.asarray(d["y_bp"], np.float64)
    if cells is not None:
        missing = [c for c in cells if c not in d["cells"]]
        if missing or len(cells) != len(rep2_bigwigs):
            raise ValueError(f"replicate_ceiling: cells {cells} must be stored cells of {whole_path} "
                             f"({d['cells']}), one per rep2 bigWig ({len(rep2_bigwigs)})")
        y1 = y1[..., [d["cells"].index(c) for c in cells]]
        d = {**d, "cells": list(cells)}
    y2 = np.stack([read_windows(bw, co["chrom"].to_numpy(), co["start"].to_numpy(), co["end"].to_numpy()) for bw in rep2_bigwigs], axis=-1).astype(np.float64)
    rows = []
    for b in bins:
        if y1.shape[1] % int(b):
            continue
        r = M.whole_pearson(M.change_resolution(y1, 1, int(b)), M.change_resolution(y2, 1, int(b)))
        rows += [{"bin": int(b), **row} for row in _rows("pearson_rep1_rep2", str(b), d["cells"], r)]
    df = pd.DataFrame(rows)
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", index=False)
    return df
