"""First-layer filters -> PPMs -> Tomtom against JASPAR (specs/accessibility.md §5.11).

``filter_activations`` (torch, imported lazily) returns first-layer activations ``(N, L, F)``;
``activation_ppms`` aligns the one-hot windows where a filter fires (GOPHER
``filter_max_align_batch``); ``clip_ppm`` trims low-information flanks; ``tomtom_hits`` runs
memelite's Tomtom (first call JIT-compiles ~47 s) and computes per-query Benjamini-Hochberg
q-values (``scipy.stats.false_discovery_control``), like MEME's tomtom.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

EXCLUDED_JASPAR = ("MA1929.1", "MA0615.1")  # excluded in the paper


def activation_ppms(
    x: np.ndarray,
    act: np.ndarray,
    window: int = 24,
    threshold: float = 0.5,
    max_align: int = 10000,
    break_on_edge: bool = True,
) -> np.ndarray:
    """PPMs of F filters from one-hot ``x`` ``(N, L, 4)`` and activations ``act`` ``(N, L, F)``.

    For filter f, ``MAX_f = act[..., f].max()``; every position with ``act > threshold*MAX_f``
    adds the slice ``x[n, pos - window//2 : pos + window//2]`` if ``start > 0 and end < L``.
    ``break_on_edge`` copies GOPHER's quirk: the first invalid window stops the scan of that
    sequence. At most ``max_align`` windows per filter; PPM = sum / count, uniform if none.
    Returns ``(F, window, 4)``.
    """
    x = np.asarray(x, dtype=np.float64)
    act = np.asarray(act, dtype=np.float64)
    n, length, n_f = act.shape
    half = window // 2
    ppms = np.full((n_f, window, 4), 0.25)
    for f in range(n_f):
        a = act[..., f]
        thr = threshold * a.max()
        total = np.zeros((window, 4))
        count = 0
        for i in range(n):
            for pos in np.flatnonzero(a[i] > thr):
                start, end = pos - half, pos + half
                if not (start > 0 and end < length):
                    if break_on_edge:
                        break
                    continue
                if count >= max_align:
                    break
                total += x[i, start:end]
                count += 1
            if count >= max_align:
                break
        if count:
            ppms[f] = total / count
    return ppms


def information_content(ppm: np.ndarray) -> np.ndarray:
    """``IC(p) = 2 + sum_b w log2(w + 1e-7)`` per position of a ``(W, 4)`` PPM."""
    ppm = np.asarray(ppm, dtype=np.float64)
    return 2 + (ppm * np.log2(ppm + 1e-7)).sum(axis=1)


def clip_ppm(ppm: np.ndarray, threshold: float = 0.5, pad: int = 3) -> np.ndarray:
    """Keep positions from the first to the last with IC > threshold, padded by ``pad``.

    A PPM with no informative position is returned unchanged.
    """
    ic = information_content(ppm)
    idx = np.flatnonzero(ic > threshold)
    if idx.size == 0:
        return np.asarray(ppm)
    return np.asarray(ppm)[max(0, idx[0] - pad) : min(len(ppm), idx[-1] + pad + 1)]


def write_meme(path: str | Path, motifs: dict[str, np.ndarray]) -> None:
    """MEME v4 file (uniform background) from ``{name: (W, 4) PPM}`` (written atomically)."""
    from regbench.workflow import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w") as fh:
        fh.write("MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n")
        fh.write("Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n")
        for name, ppm in motifs.items():
            ppm = np.asarray(ppm)
            fh.write(f"MOTIF {name}\nletter-probability matrix: alength= 4 w= {len(ppm)} nsites= 1 E= 0\n")
            for row in ppm:
                fh.write(" ".join(f"{v:.6f}" for v in row) + "\n")
            fh.write("\n")


def read_meme(path: str | Path) -> dict[str, np.ndarray]:
    """``{name: (W, 4) PPM}`` from a MEME file (name = the first word after MOTIF)."""
    motifs: dict[str, np.ndarray] = {}
    name, rows, reading = None, [], False
    with open(path) as fh:
        for line in fh:
            s = line.strip()
            if s.startswith("MOTIF"):
                if name is not None:
                    motifs[name] = np.array(rows)
                name, rows, reading = s.split()[1], [], False
            elif s.startswith("letter-probability"):
                reading = True
            elif reading and s and s[0] in "0123456789.":
                rows.append([float(v) for v in s.split()])
            elif reading and rows:
                reading = False
    if name is not None:
        motifs[name] = np.array(rows)
    return motifs


def tomtom_hits(
    queries: dict[str, np.ndarray],
    targets: dict[str, np.ndarray],
    q_threshold: float = 0.5,
    exclude: tuple[str, ...] = EXCLUDED_JASPAR,
) -> pd.DataFrame:
    """Tomtom every query PPM ``(W, 4)`` against every target; matches with q < ``q_threshold``.

    Returns a table query, target, p, q (one row per match; q-values per query over targets:
    Benjamini-Hochberg, ``scipy.stats.false_discovery_control``, which raises on a NaN p-value
    rather than letting it blank the query's q-values). Targets whose id starts with an
    ``exclude`` entry are dropped first.
    """
    from memelite import tomtom
    from scipy.stats import false_discovery_control

    tnames = [t for t in targets if not any(t.startswith(e) for e in exclude)]
    qnames = list(queries)
    if not qnames:
        return pd.DataFrame(columns=["query", "target", "p", "q"])
    Qs = [np.ascontiguousarray(np.asarray(queries[q], dtype=np.float64).T) for q in qnames]
    Ts = [np.ascontiguousarray(np.asarray(targets[t], dtype=np.float64).T) for t in tnames]
    pvals = tomtom(Qs, Ts, n_jobs=1)[0]
    rows = []
    for i, qn in enumerate(qnames):
        qv = false_discovery_control(pvals[i], method="bh")
        for j in np.flatnonzero(qv < q_threshold):
            rows.append({"query": qn, "target": tnames[j], "p": float(pvals[i, j]), "q": float(qv[j])})
    return pd.DataFrame(rows, columns=["query", "target", "p", "q"])


def matrix_base_id(name: str) -> str:
    """JASPAR base matrix id of a target/motif name: ``"MA0491.2_JUND"`` -> ``"MA0491"``.

    JASPAR versions a matrix (``MA0491.1`` -> ``MA0491.2``) when it is re-curated; a release
    holds one version per base id, so planted motifs are compared on the base id.
    """
    return str(name).split("_")[0].split(".")[0]


def hit_summary(hits: pd.DataFrame, n_filters: int, planted: list[str] | None = None) -> dict[str, float]:
    """Summary of a Tomtom hits table (columns query, target, p, q; only significant rows).

    * ``hit_ratio``: filters with >= 1 match / all filters (the paper's metric);
    * ``mean_qvalue``: mean over matched filters of their minimum q-value (the paper's metric).

    With ``planted`` JASPAR ids (demo truth; compared on the base matrix id, see
    :func:`matrix_base_id`, so ``MA0491.1`` matches ``MA0491.2_JUND``):

    * ``planted_hit_ratio``: filters that match a planted motif / all filters, where a filter
      *matches a planted motif* when a planted motif is among its significant hits (any row
      of ``hits``, i.e. q < the Tomtom threshold). Not only the single best hit: a motif family
      has many near-identical JASPAR entries (AP-1: FOS::JUN, FOSL2::JUND, ...) and a filter
      that learnt the planted AP-1 site usually has another family member as its best hit;
    * ``planted_best_hit_ratio``: filters whose best (lowest-q) hit is a planted motif;
    * ``planted_motifs_found``: distinct planted motifs matched by >= 1 filter.
    """
    out = {"n_filters": n_filters, "hit_ratio": float("nan"), "mean_qvalue": float("nan")}
    if n_filters:
        out["hit_ratio"] = hits["query"].nunique() / n_filters if len(hits) else 0.0
    if len(hits):
        out["mean_qvalue"] = float(hits.groupby("query")["q"].min().mean())
    if planted is not None:
        base = {matrix_base_id(m) for m in planted}
        if len(hits) and n_filters:
            h = hits.assign(_base=hits["target"].map(matrix_base_id))
            h["_planted"] = h["_base"].isin(base)
            best = h.sort_values(["q", "p"], kind="stable").groupby("query").head(1)
            out["planted_hit_ratio"] = float(h.loc[h["_planted"], "query"].nunique() / n_filters)
            out["planted_best_hit_ratio"] = float(best["_planted"].sum() / n_filters)
            out["planted_motifs_found"] = int(h.loc[h["_planted"], "_base"].nunique())
        else:
            out["planted_hit_ratio"] = 0.0 if n_filters else float("nan")
            out["planted_best_hit_ratio"] = out["planted_hit_ratio"]
            out["planted_motifs_found"] = 0
    return out


class _FirstLayerReached(Exception):
    """Raised by the forward hook of :func:`iter_activations`: the rest of the model is skipped."""


def _first_layer(model):
    """(module whose output is the activated first-layer map, post-function or None, F)."""
    import torch

    target = getattr(model, "first_layer_activation", None)
    post = None
    first_conv = next(m for m in model.modules() if isinstance(m, torch.nn.Conv1d))
    if target is None:
        acts = [m for m in model.modules() if type(m).__name__ in ("Exp", "ReLU", "Exponential")]
        target = acts[0] if acts else first_conv
        post = None if acts else torch.relu
    return target, post, first_conv.out_channels


def iter_activations(model, x, n: int | None = None, batch_size: int = 64, device=None):
    """Yield ``(x_batch (b, L, 4) float32, activations (b, L', F) float32)`` for rows ``[0, n)``
    of ``x`` (an array or a lazily indexable view), one batch at a time (layer: see
    :func:`filter_activations`). Only the layers up to the first activation are computed (the
    forward pass stops there), on ``device`` (:func:`regbench.predict.device.resolve_device`, in
    fp32), and the model is left where it was found."""
    import torch

    from regbench.predict.device import autocast, placed, resolve_device, to_numpy

    target, post, n_f = _first_layer(model)
    store = []

    def hook(_m, _i, out):
        store.append(to_numpy(post(out) if post else out))
        raise _FirstLayerReached

    dev = resolve_device(device, model)
    h = target.register_forward_hook(hook)
    n = len(x) if n is None else min(n, len(x))
    try:
        with placed(model, dev), torch.no_grad(), autocast(dev, "fp32"):
            for i in range(0, n, batch_size):
                xb = np.asarray(x[i : min(n, i + batch_size)], dtype=np.float32)
                store.clear()
                try:
                    model(torch.as_tensor(xb).to(dev))
                except _FirstLayerReached:
                    pass
                a = store[0]
                if a.shape[1] == n_f and a.shape[2] != n_f:  # (N, F, L) -> (N, L, F)
                    a = a.transpose(0, 2, 1)
                yield xb, a
    finally:
        h.remove()


def filter_activations(model, x: np.ndarray, batch_size: int = 64, device=None) -> np.ndarray:
    """First-layer filter activations ``(N, L', F)`` of ``model`` on one-hot ``x`` ``(N, L, 4)``.

    Uses ``model.first_layer_activation`` (a module whose output is the activated first-layer
    map) when the architecture exposes it; otherwise the first ``Exp``/``ReLU`` module (GOPHER
    zoo: conv -> BN -> activation), else the first ``nn.Conv1d`` through ReLU. Outputs in
    ``(N, F, L)`` layout are transposed. Note: ``L'`` equals ``L`` for 'same' convolutions.
    Computed on ``device`` in fp32 (:func:`iter_activations`). Holds every activation: for large
    sets use :func:`streamed_ppms`.
    """
    return np.concatenate([a for _, a in iter_activations(model, x, None, batch_size, device)])


def streamed_ppms(model, x, n: int, window: int = 24, threshold: float = 0.5, max_align: int = 10000,
                  break_on_edge: bool = True, batch_size: int = 64, device=None) -> np.ndarray:
    """:func:`activation_ppms` of the first-layer filters on rows ``[0, n)`` of ``x``, streamed:
    pass 1 finds each filter's maximum activation, pass 2 adds the aligned one-hot windows batch
    by batch (same rules, quirks and sequence order), so memory is set by the batch, not by n.
    Returns ``(F, window, 4)``."""
    maxima = None
    for _, a in iter_activations(model, x, n, batch_size, device):
        m = a.max(axis=(0, 1)).astype(np.float64)
        maxima = m if maxima is None else np.maximum(maxima, m)
    if maxima is None:
        raise ValueError("streamed_ppms: no sequences")
    n_f = len(maxima)
    half = window // 2
    total = np.zeros((n_f, window, 4))
    count = np.zeros(n_f, np.int64)
    thr = threshold * maxima
    offs = np.arange(-half, half)
    for xb, a in iter_activations(model, x, n, batch_size, device):
        xb = np.asarray(xb[:, : a.shape[1]], dtype=np.float64)
        length = a.shape[1]
        for f in range(n_f):
            if count[f] >= max_align:
                continue
            seq, pos = np.nonzero(a[..., f] > thr[f])  # row-major: by sequence, then position
            valid = (pos - half > 0) & (pos + half < length)
            if break_on_edge and (~valid).any():
                first_bad = np.full(len(xb), length + 1)
                np.minimum.at(first_bad, seq[~valid], pos[~valid])
                valid &= pos < first_bad[seq]
            seq, pos = seq[valid], pos[valid]
            take = int(min(len(seq), max_align - count[f]))
            if take:
                total[f] += xb[seq[:take, None], pos[:take, None] + offs].sum(axis=0)
                count[f] += take
    ppms = np.full((n_f, window, 4), 0.25)
    ok = count > 0
    ppms[ok] = total[ok] / count[ok, None, None]
    return ppms
