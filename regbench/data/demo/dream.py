"""Demo inputs of the DREAM study: random yeast promoters with a planted motif grammar, written in
the official file layouts (Zenodo 10633252 / de-Boer-Lab repository), plus small Drosophila
STARR-seq-like and human lentiMPRA-like sets for the follow-ups.

Layout under ``outdir`` (``resources/demo/dream``)::

    train_sequences.txt                         sequence<TAB>expression (0..17, ~58 % integers)
    filtered_test_data_with_MAUDE_expression.txt   sequence<TAB>expression, row = test id
    test_subset_ids/{high_exp,low_exp,yeast,all_random,challenging,all_SNVs,
                     motif_perturbation,motif_tiling}_seqs.csv   (official CSV columns)
    public_leaderboard_ids/<subset>_exp_indices.json                (official JSON layout)
    plasmid.json                                vector with the N x 80 insert placeholder
    drosophila/deepstarr_data.txt               DeepSTARR-like table (2 outputs, chr2R split)
    human_mpra/{K562,HepG2,WTC11}_clean.tsv      seq_id seq mean_value fold
    truth.json, truth_pairs.tsv                 the planted grammar and every pair's planted effect

Truth (``truth.json``): latent activity z = sum over motifs of weight x (occurrences on either
strand of the random region, at most 2 counted) + ``polyT_weight`` x [a T8 or A8 run]. Training
bins: each observation = clip(round(a + b z + noise_cell), 0, 17), the expression is the mean
of 1 (58 %, "singletons") to 5 observations. Test labels (MAUDE-like, centred):
(z - z_mean) / z_sd + small noise. ``truth_pairs.tsv``: subset, alt_pos, ref_pos, alt_tag,
motif, effect (= z_alt - z_ref, noise-free).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.genome.fasta import reverse_complement
from regbench.studies.dream.data import ADAPTER_3, ADAPTER_5
from regbench.studies.dream.preprocess import BHI_VECTOR_LEFT, BHI_VECTOR_RIGHT
from regbench.workflow import atomic_path

#: planted yeast-like motifs: name -> (consensus, weight on the latent activity)
MOTIFS = {
    "Reb1": ("TTACCCGG", 2.0),
    "Gcn4": ("TGACTCA", 1.5),
    "Rap1": ("ACACCCAT", 1.0),
    "TATA": ("TATAAAAG", 0.6),
    "Nrg1": ("GGACCCTA", -1.2),
    "Sum1": ("GTCACAAA", -2.0),
}
POLYT_WEIGHT = 0.8
BASE_A, BASE_B = 10.5, 1.6  # bin = a + b z
CELL_NOISE = 1.2
RANDOM_LEN = 80


def _rc(s: str) -> str:
    return reverse_complement(s)


def latent(region: str) -> float:
    """Noise-free latent activity of an 80-bp random region (the planted grammar)."""
    z = 0.0
    for cons, w in MOTIFS.values():
        c = region.count(cons) + (region.count(_rc(cons)) if _rc(cons) != cons else 0)
        z += w * min(c, 2)
    if "TTTTTTTT" in region or "AAAAAAAA" in region:
        z += POLYT_WEIGHT
    return z


def _random_region(rng, n=RANDOM_LEN, gc=0.42) -> str:
    p = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
    return "".join(rng.choice(list("ACGT"), size=n, p=p))


def _plant(rng, region: str, motif: str, pos: int | None = None, strand: str | None = None) -> str:
    m = motif if (strand or rng.choice(["+", "-"])) == "+" else _rc(motif)
    if pos is None:
        pos = int(rng.integers(0, len(region) - len(m) + 1))
    return region[:pos] + m + region[pos + len(m) :]


def _promoter(rng, p_motif=0.25, gc=0.42) -> str:
    r = _random_region(rng, gc=gc)
    for cons, _ in MOTIFS.values():
        if rng.random() < p_motif:
            r = _plant(rng, r, cons)
    if rng.random() < 0.15:
        r = _plant(rng, r, "TTTTTTTTT")
    return r


def _wrap(region: str) -> str:
    return ADAPTER_5 + region + ADAPTER_3


def _region(seq: str) -> str:
    return seq[len(ADAPTER_5) : len(seq) - len(ADAPTER_3)]


def _indel(rng, region: str) -> str:
    """Length variation as in the real file (110 bp ~82 %, 109 ~13 %, 108, 111)."""
    u = rng.random()
    if u < 0.82:
        return region
    if u < 0.95:
        k = 1
    elif u < 0.98:
        k = 2
    else:
        i = int(rng.integers(0, len(region)))
        return region[:i] + rng.choice(list("ACGT")) + region[i:]
    i = int(rng.integers(0, len(region) - k))
    return region[:i] + region[i + k :]


def _bins(rng, z: np.ndarray) -> np.ndarray:
    n_obs = np.where(rng.random(len(z)) < 0.45, 1, rng.integers(2, 6, size=len(z)))
    out = np.empty(len(z))
    for i, (zi, k) in enumerate(zip(z, n_obs)):
        obs = np.clip(np.round(BASE_A + BASE_B * zi + rng.normal(0, CELL_NOISE, size=k)), 0, 17)
        out[i] = obs.mean()
    return out


def _write_tsv(df: pd.DataFrame, path: Path, **kw) -> None:
    with atomic_path(path) as tmp:
        df.to_csv(tmp, sep="\t", index=False, **kw)


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=True)


def _write_json(obj, path: Path) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "w") as fh:
            json.dump(obj, fh)


def make_yeast(outdir: str | os.PathLike, seed: int, n_train: int = 3000, n_random_test: int = 300,
               n_designed: int = 60, n_snv: int = 160, public_fraction: float = 0.12) -> dict:
    """Write the yeast part of the demo; returns the truth dict."""
    rng = np.random.default_rng(seed)
    out = Path(outdir)

    # --- training ---------------------------------------------------------------------------
    regions = [_promoter(rng) for _ in range(n_train)]
    z = np.array([latent(r) for r in regions])
    expr = _bins(rng, z)
    train = pd.DataFrame({"seq": [_wrap(_indel(rng, r)) for r in regions], "expression": expr})
    with atomic_path(out / "train_sequences.txt") as tmp:
        with open(tmp, "w") as fh:
            for s, e in zip(train["seq"], train["expression"]):
                fh.write(f"{s}\t{int(e) if float(e).is_integer() else repr(float(e))}\n")

    # --- test sequences ---------------------------------------------------------------------
    records: list[dict] = []  # one per test sequence: seq, subset tags

    def add(region: str) -> int:
        records.append({"region": region})
        return len(records) - 1

    singles: dict[str, list[tuple[int, str]]] = {k: [] for k in ("random", "high", "low", "yeast", "challenging")}
    for i in range(n_random_test):
        singles["random"].append((add(_promoter(rng)), f"HQ_{i}"))
    act = ["Reb1", "Gcn4", "Rap1", "TATA"]
    rep = ["Nrg1", "Sum1"]
    for i in range(n_designed):
        r = _random_region(rng)
        for name in rng.choice(act, size=3, replace=True):
            r = _plant(rng, r, MOTIFS[name][0])
        singles["high"].append((add(r), f"GA.EDV.Glu.high_{i}"))
        r = _random_region(rng)
        for name in rng.choice(rep, size=2, replace=True):
            r = _plant(rng, r, MOTIFS[name][0])
        singles["low"].append((add(r), f"GA.EDV.Glu.low_{i}"))
        singles["yeast"].append((add(_promoter(rng, p_motif=0.15, gc=0.35)), f"Y{chr(65 + i % 16)}L{i:03d}W.{i % 7}"))
        r = _promoter(rng, p_motif=0.4)
        singles["challenging"].append((add(r), f"GA.Glu.EDV.vs.CD.pareto_{i}_{i % 40}"))

    pairs: dict[str, list[dict]] = {"SNVs": [], "motif_perturbation": [], "motif_tiling": []}
    # SNV pairs: half of them hit a planted motif
    for i in range(n_snv):
        ref = _promoter(rng, p_motif=0.4)
        hits = [(ref.find(m), len(m)) for m, _ in MOTIFS.values() if ref.find(m) >= 0]
        if hits and i % 2 == 0:
            p0, ln = hits[int(rng.integers(0, len(hits)))]
            pos = p0 + int(rng.integers(0, ln))
        else:
            pos = int(rng.integers(0, RANDOM_LEN))
        alt_base = rng.choice([b for b in "ACGT" if b != ref[pos]])
        alt = ref[:pos] + alt_base + ref[pos + 1 :]
        a, b = add(alt), add(ref)
        pairs["SNVs"].append({"alt_pos": a, "ref_pos": b, "alt_tag": f"snv{i}_{pos}{alt_base}", "ref_tag": f"snv{i}_ref", "motif": ""})
    # motif perturbation: 5 references x every motif x 3 positions x 2 strands
    for j in range(5):
        ref = _random_region(rng)
        b = add(ref)
        for name, (cons, _) in MOTIFS.items():
            for pos in (10, 35, 60):
                for strand in "+-":
                    alt = _plant(rng, ref, cons, pos, strand)
                    s = ".s" if strand == "+" else ".s.RC"
                    pairs["motif_perturbation"].append(
                        {"alt_pos": add(alt), "ref_pos": b, "alt_tag": f"rand{j}_{name}{s}_{pos}", "ref_tag": f"rand{j}", "motif": name}
                    )
    # motif tiling: 3 references, polyA tract and Reb1 tiled every 4 bp
    for j in range(3):
        ref = _random_region(rng)
        b = add(ref)
        for name, cons in (("polyA", "AAAAAAAAA"), ("Reb1", MOTIFS["Reb1"][0])):
            for k, pos in enumerate(range(0, RANDOM_LEN - len(cons) + 1, 4)):
                alt = ref[:pos] + cons + ref[pos + len(cons) :]
                pairs["motif_tiling"].append(
                    {"alt_pos": add(alt), "ref_pos": b, "alt_tag": f"rand{100 + j}_{name}_{k}", "ref_tag": f"rand{100 + j}", "motif": name}
                )

    # shuffle test ids (the real ids interleave the subsets)
    n_test = len(records)
    perm = rng.permutation(n_test)  # old index -> new id
    zt = np.array([latent(r["region"]) for r in records])
    z_mean, z_sd = float(zt.mean()), float(zt.std())
    label = (zt - z_mean) / z_sd + rng.normal(0, 0.15, size=n_test)
    seqs = [_wrap(r["region"]) for r in records]
    order = np.argsort(perm)
    with atomic_path(out / "filtered_test_data_with_MAUDE_expression.txt") as tmp:
        with open(tmp, "w") as fh:
            for old in order:
                fh.write(f"{seqs[old]}\t{float(label[old])!r}\n")

    sub = out / "test_subset_ids"
    pub = out / "public_leaderboard_ids"
    files = {"random": "all_random_seqs", "high": "high_exp_seqs", "low": "low_exp_seqs", "yeast": "yeast_seqs",
             "challenging": "challenging_seqs"}
    json_names = {"random": "random", "high": "high", "low": "low", "yeast": "yeast", "challenging": "challenging",
                  "SNVs": "SNVs", "motif_perturbation": "motif_perturbation", "motif_tiling": "motif_tiling"}
    for name, items in singles.items():
        df = pd.DataFrame({"tag": [t for _, t in items], "sequence": [seqs[i] for i, _ in items],
                           "pos": [int(perm[i]) for i, _ in items], "exp": [np.nan] * len(items)})
        if name == "random":
            df.insert(0, "Unnamed: 0", np.arange(len(df)))
        _write_csv(df, sub / f"{files[name]}.csv")
        chosen = rng.random(len(df)) < public_fraction
        _write_json({str(int(p)): float(label[order[p]]) for p in df["pos"][chosen]}, pub / f"{json_names[name]}_exp_indices.json")
    truth_rows = []
    pair_files = {"SNVs": "all_SNVs_seqs", "motif_perturbation": "motif_perturbation_seqs", "motif_tiling": "motif_tiling_seqs"}
    for name, items in pairs.items():
        df = pd.DataFrame(items)
        df["alt_sequence"] = [seqs[i] for i in df["alt_pos"]]
        df["ref_sequence"] = [seqs[i] for i in df["ref_pos"]]
        eff = [zt[a] - zt[b] for a, b in zip(df["alt_pos"], df["ref_pos"])]
        df["alt_pos"] = perm[df["alt_pos"].to_numpy()]
        df["ref_pos"] = perm[df["ref_pos"].to_numpy()]
        df["alt_exp"] = np.nan
        df["ref_exp"] = np.nan
        cols = ["alt_tag", "ref_tag", "alt_sequence", "ref_sequence", "alt_pos", "ref_pos", "alt_exp", "ref_exp"]
        out_df = df[cols].copy()
        if name == "motif_perturbation":
            out_df.insert(0, "Unnamed: 0", np.arange(len(out_df)))
        _write_csv(out_df, sub / f"{pair_files[name]}.csv")
        chosen = rng.random(len(df)) < public_fraction
        _write_json(
            {f"{a},{b}": [float(label[order[a]]), float(label[order[b]])] for a, b in zip(df["alt_pos"][chosen], df["ref_pos"][chosen])},
            pub / f"{json_names[name]}_exp_indices.json",
        )
        for a, b, tag, motif, e in zip(df["alt_pos"], df["ref_pos"], df["alt_tag"], df["motif"], eff):
            truth_rows.append({"subset": name, "alt_pos": int(a), "ref_pos": int(b), "alt_tag": tag, "motif": motif, "effect": float(e)})
    _write_tsv(pd.DataFrame(truth_rows), out / "truth_pairs.tsv")

    plasmid = _random_region(rng, 400) + BHI_VECTOR_LEFT + ADAPTER_5 + "N" * 80 + ADAPTER_3 + BHI_VECTOR_RIGHT + _random_region(rng, 400)
    _write_json(plasmid, out / "plasmid.json")
    truth = {
        "motifs": {k: {"consensus": c, "weight": w} for k, (c, w) in MOTIFS.items()},
        "polyT_weight": POLYT_WEIGHT,
        "max_counted_occurrences": 2,
        "bins": {"a": BASE_A, "b": BASE_B, "cell_noise_sd": CELL_NOISE, "singleton_fraction": 0.58},
        "test_label": {"z_mean": z_mean, "z_sd": z_sd, "noise_sd": 0.15},
        "n_train": n_train,
        "n_test": n_test,
        "seed": seed,
    }
    _write_json(truth, out / "truth.json")
    return truth


#: Drosophila-like enhancer motifs: name -> (consensus, dev weight, hk weight)
FLY_MOTIFS = {"GATA": ("AGATAAGA", 1.5, 0.0), "AP1": ("TGACTCAT", 1.0, 0.2), "DRE": ("TATCGATA", 0.0, 1.5),
              "Ohler1": ("AGTGTGAC", 0.2, 1.0)}
#: human lentiMPRA-like motifs: name -> (consensus, {cell: weight})
HUMAN_MOTIFS = {"GATA1": ("AGATAAGG", {"K562": 1.5, "HepG2": 0.0, "WTC11": 0.0}),
                "HNF4A": ("CAAAGTCCA", {"K562": 0.0, "HepG2": 1.5, "WTC11": 0.0}),
                "POU5F1": ("ATGCAAAT", {"K562": 0.0, "HepG2": 0.0, "WTC11": 1.5}),
                "SP1": ("GGGGCGGGG", {"K562": 0.8, "HepG2": 0.8, "WTC11": 0.8})}
HUMAN_5, HUMAN_3 = "AGGACCGGATCAACT", "CATTGCGTGAACCGA"


def make_drosophila(outdir, seed: int, n: int = 400, length: int = 249) -> None:
    """DeepSTARR-like table: both strands as rows; Train on chr2L/3L/3R, Val = first half of chr2R,
    Test = second half of chr2R."""
    rng = np.random.default_rng(seed + 1)
    rows = []
    for i in range(n):
        s = _random_region(rng, length, gc=0.4)
        dev = hk = 0.0
        for name, (cons, wd, wh) in FLY_MOTIFS.items():
            k = int(rng.poisson(0.6))
            for _ in range(k):
                s = _plant(rng, s, cons)
        for name, (cons, wd, wh) in FLY_MOTIFS.items():
            c = min(s.count(cons) + s.count(_rc(cons)), 3)
            dev += wd * c
            hk += wh * c
        chrom = rng.choice(["chr2L", "chr3L", "chr3R", "chr2R"], p=[0.3, 0.25, 0.25, 0.2])
        start = int(rng.integers(0, 20_000_000))
        split = "Train" if chrom != "chr2R" else ("Val" if start < 10_000_000 else "Test")
        d, h = dev + rng.normal(0, 0.4), hk + rng.normal(0, 0.4)
        for strand, seq in (("+", s), ("-", _rc(s))):
            rows.append({"seqnames": chrom, "start": start, "end": start + length, "ID": f"{chrom}_{start}_{start + length}_{strand}_positive_peaks",
                         "set": split, "Sequence": seq, "Dev_log2_enrichment": d, "Hk_log2_enrichment": h})
    _write_tsv(pd.DataFrame(rows), Path(outdir) / "drosophila" / "deepstarr_data.txt")


def make_human(outdir, seed: int, n: int = 300, n_folds: int = 10) -> None:
    """lentiMPRA-like {cell}_clean.tsv (seq_id seq mean_value fold); 230 bp = 15 + 200 + 15;
    every element also as a ``_Reversed:`` oligo in the same fold."""
    rng = np.random.default_rng(seed + 2)
    elements = []
    for i in range(n):
        s = _random_region(rng, 200, gc=0.5)
        for cons, _ in HUMAN_MOTIFS.values():
            for _ in range(int(rng.poisson(0.5))):
                s = _plant(rng, s, cons)
        elements.append(s)
    folds = rng.integers(0, n_folds, size=n)
    for cell in ("K562", "HepG2", "WTC11"):
        rows = []
        for i, (s, f) in enumerate(zip(elements, folds)):
            a = sum(w[cell] * min(s.count(c) + s.count(_rc(c)), 3) for c, w in HUMAN_MOTIFS.values())
            v = a + rng.normal(0, 0.3)
            rows.append({"seq_id": f"elem{i}:chr1:{1000 * i}-{1000 * i + 200}", "seq": HUMAN_5 + s + HUMAN_3, "mean_value": v, "fold": int(f)})
            rows.append({"seq_id": f"elem{i}_Reversed:chr1:{1000 * i}-{1000 * i + 200}", "seq": HUMAN_5 + _rc(s) + HUMAN_3,
                         "mean_value": v + rng.normal(0, 0.1), "fold": int(f)})
        _write_tsv(pd.DataFrame(rows), Path(outdir) / "human_mpra" / f"{cell}_clean.tsv")


def yeast_test_sizes(n_random_test: int = 300) -> dict:
    """make_yeast's test-set sizes for ``n_random_test`` random test promoters: designed
    high/low/yeast/challenging promoters n/5 each and SNV pairs n/2 + 10 (the defaults 300 ->
    60 and 160); the motif perturbation / tiling references are fixed (~300 sequences)."""
    return {"n_random_test": n_random_test, "n_designed": max(4, n_random_test // 5), "n_snv": n_random_test // 2 + 10}


def make_demo(outdir: str | os.PathLike, seed: int, n_train: int = 3000, n_random_test: int = 300) -> None:
    """Write every DREAM demo input under ``outdir``."""
    make_yeast(outdir, seed, n_train=n_train, **yeast_test_sizes(n_random_test))
    make_drosophila(outdir, seed)
    make_human(outdir, seed)
