"""build_gene_stats and PredictionChunks against an independent computation on a hand-built world.

The world: 6 genes in 2 genotype chunks, 32 genotyped individuals (in a shuffled order), 31
expression samples (30 of them genotyped, one not), predictions for every genotyped individual
(one gene lacks one). Gene ...02 has no expression (skipped); ...01 and ...05 are predicted with
positive R, ...03 with negative R, ...04 and ...06 carry no signal. The expected table is
computed here with scipy/numpy only (``scipy.stats.pearsonr``, ``np.corrcoef``, a hand-written
Benjamini-Hochberg), replaying the authors' null: one ``RandomState(seed)`` stream over the genes
in sorted order, ``n_draws`` N(0, 1) weight vectors per gene, |R| of ``dosage.T @ W`` with the
expression of the genotyped samples.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from regbench.errors import InputError
from regbench.studies.personal.significance import PredictionChunks, build_gene_stats, example_genes

GENES = [f"ENSG{i:011d}" for i in range(1, 7)]
CHUNKS = [GENES[:3], GENES[3:]]
N_SNV = {GENES[0]: 5, GENES[1]: 4, GENES[2]: 6, GENES[3]: 3, GENES[4]: 7, GENES[5]: 4}
GENOTYPED = [f"S{i:02d}" for i in range(32)]
EXPRESSED = [f"S{i:02d}" for i in range(30)] + ["X99"]
EXTRA = "ENSG00000000000"  # sorts first; its predictions come in chunk 1, so reading it would break the gene order
PRED_COLS = ["cage", "cage_raw_sum", "finetuned", "finetuned_head"]
SEED = 33  # chosen so that gene ...06 is significant at FDR 0.3 but not at 0.05 (test_gene_table_follows_every_config_value)
PREDIXCAN = {GENES[0]: 0.31, GENES[2]: -0.12, GENES[3]: 0.05, GENES[4]: 0.44}


def write_chunk(path, dosage, order, genes):
    """A genotype chunk NPZ of ``genes`` (in that order): SNV k of a gene at 1000 * (its rank in the
    chunk + 1) + 10 k, REF/ALT cycling through ACGT/GTAC."""
    pos = np.concatenate([1_000 * (k + 1) + 10 * np.arange(N_SNV[g]) for k, g in enumerate(genes)])
    n = len(pos)
    np.savez(path, pos=pos.astype(np.int64), ref=np.array(list("ACGT" * 5)[:n]), alt=np.array(list("GTAC" * 5)[:n]),
             dosage=np.concatenate([dosage[g] for g in genes]), samples=np.array(order), gene_ids=np.array(genes),
             offsets=np.concatenate([[0], np.cumsum([N_SNV[g] for g in genes])]).astype(np.int64))
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("gene_stats")
    rng = np.random.default_rng(SEED)
    order = list(rng.permutation(GENOTYPED))  # the chunks' sample order differs from the expression's
    dosage = {g: rng.integers(0, 3, (N_SNV[g], len(GENOTYPED))).astype(np.int8) for g in GENES}
    weights = {g: rng.normal(0, 1, N_SNV[g]) for g in GENES}
    cage = {g: dosage[g].T.astype(float) @ weights[g] for g in GENES}  # in chunk sample order
    sign = {GENES[0]: 1.0, GENES[2]: -1.0, GENES[4]: 0.6, GENES[5]: 0.1}
    expr = {}
    for g in GENES:
        by_sample = dict(zip(order, cage[g]))
        signal = np.array([by_sample.get(s, 0.0) for s in EXPRESSED])
        expr[g] = 5 + sign.get(g, 0.0) * signal + rng.normal(0, 1.0 if g in sign else 3.0, len(EXPRESSED))
    genes = pd.DataFrame({"gene_id": GENES, "gene_name": [f"G{i}" for i in range(1, 7)], "gene_type": "protein_coding",
                          "chrom": "chr2", "tss": 1_000 * np.arange(1, 7), "strand": list("+-+-+-"),
                          "example": "", "split": ["train", "test"] * 3})
    paths = {"genes": root / "genes.tsv", "expression": root / "expression.tsv", "predixcan": root / "px.tsv",
             "finemapped": root / "fm.tsv", "genotypes": [], "predictions": []}
    genes.to_csv(paths["genes"], sep="\t", index=False)
    expr[EXTRA] = rng.normal(5, 1, len(EXPRESSED))
    pd.DataFrame([[g, *expr[g]] for g in [EXTRA, *GENES] if g != GENES[1]], columns=["gene_id", *EXPRESSED]).to_csv(
        paths["expression"], sep="\t", index=False)
    pd.DataFrame({"gene_id": GENES[:5], "r_predixcan": [PREDIXCAN.get(g, np.nan) for g in GENES[:5]]}).to_csv(
        paths["predixcan"], sep="\t", index=False)  # gene ...06 has no row: its r_predixcan is NaN
    pd.DataFrame({"gene_id": [GENES[2], "ENSG99999999999"], "pip": [0.9, 0.5]}).to_csv(
        paths["finemapped"], sep="\t", index=False)
    pred_tables = []
    for c, gs in enumerate(CHUNKS):
        paths["genotypes"].append(write_chunk(root / f"genotypes_{c}.npz", dosage, order, gs))
        rows = []
        for g in gs + ([EXTRA] if c == 1 else []):  # EXTRA: predicted, expressed, not in genes.tsv
            pred = cage[g] if g in cage else rng.normal(0, 1, len(order))
            t = pd.DataFrame({"gene_id": g, "sample": order, "cage": pred, "cage_raw_sum": np.exp(pred / 8),
                              "finetuned": pred + rng.normal(0, 1, len(order)),
                              "finetuned_head": rng.normal(0, 1, len(order)), "other": rng.normal(0, 1, len(order))})
            t.loc[t["sample"] == order[1], "finetuned_head"] = 1.5e-5  # written as 1.5e-05 ("%.6g")
            if g == GENES[4]:
                t = t[t["sample"] != "S03"]
            rows.append(t)
        p = root / f"predictions_{c}.tsv"
        table = pd.concat(rows).sample(frac=1.0, random_state=c)  # genes interleaved, in no order
        table.to_csv(p, sep="\t", index=False)
        paths["predictions"].append(p)
        pred_tables.append(table)
    paths["single"] = root / "predictions_all.tsv"
    pd.concat(pred_tables).to_csv(paths["single"], sep="\t", index=False)
    return root, paths, {"order": order, "dosage": dosage, "expr": expr}


def _bh(p):
    p = np.asarray(p, float)
    m = len(p)
    idx = np.argsort(p)
    adj = p[idx] * m / np.arange(1, m + 1)
    adj = np.minimum.accumulate(adj[::-1])[::-1]
    out = np.empty(m)
    out[idx] = np.minimum(adj, 1.0)
    return out


def expected(paths, truth, seed=1, n_draws=50, se="sqrt_std_over_n", alpha=0.05, cut=0.2):
    """The gene table computed without regbench (genes with expression, in sorted order)."""
    preds = pd.concat([pd.read_csv(p, sep="\t") for p in paths["predictions"]])
    expr = pd.read_csv(paths["expression"], sep="\t", index_col=0)
    genes = pd.read_csv(paths["genes"], sep="\t", keep_default_na=False)
    rs = np.random.RandomState(seed)
    order = truth["order"]
    null_samples = sorted(set(order) & set(expr.columns))
    rows = []
    for g in sorted(set(preds["gene_id"]) & set(expr.index) & set(GENES)):
        d = preds[preds["gene_id"] == g].set_index("sample")
        common = sorted(set(d.index) & set(expr.columns))
        obs = expr.loc[g, common].to_numpy(float)
        row = {"gene_id": g, "n_samples": len(common)}
        for c in PRED_COLS:
            row["r" if c == "cage" else f"r_{c}"] = stats.pearsonr(d.loc[common, c].to_numpy(float), obs)[0]
        row["mean_pred"] = d.loc[common, "cage"].mean()
        row["std_pred"] = np.sqrt(np.mean((d.loc[common, "cage"] - d.loc[common, "cage"].mean()) ** 2))
        dos = truth["dosage"][g][:, [order.index(s) for s in null_samples]].astype(float)
        w = rs.normal(size=(dos.shape[0], n_draws))
        y = expr.loc[g, null_samples].to_numpy(float)
        null = np.array([abs(np.corrcoef(dos.T @ w[:, k], y)[0, 1]) for k in range(n_draws)])
        row.update(n_snv=dos.shape[0], null_mean=null.mean(), null_std=null.std(), n_null=n_draws)
        denom = np.sqrt(row["null_std"] / n_draws) if se == "sqrt_std_over_n" else row["null_std"] / np.sqrt(n_draws)
        row["t"] = (abs(row["r"]) - row["null_mean"]) / denom
        row["p"] = stats.t.sf(row["t"], n_draws - 1) if row["t"] >= 0 else 1.0
        rows.append(row)
    out = pd.DataFrame(rows)
    out["p_bh"] = _bh(out["p"])
    out["significant"] = out["p_bh"] <= alpha
    out["xai"] = out["significant"] & (out["r"].abs() > cut)
    out["r_predixcan"] = [PREDIXCAN.get(g, np.nan) for g in out["gene_id"]]
    return genes.drop(columns=["gene_type"]).merge(out, on="gene_id")


def run(root, paths, tag, cfg, predictions=None, **kw):
    outs = {k: root / f"{tag}_{k}.tsv" for k in ("stats", "ind", "sig", "px", "eg")}
    df = build_gene_stats(paths["genes"], predictions or paths["predictions"], paths["genotypes"], paths["expression"],
                          paths["predixcan"], outs["stats"], outs["ind"], outs["sig"], outs["px"], cfg,
                          out_example_genotypes=outs["eg"], **kw)
    return df, {k: pd.read_csv(p, sep="\t") for k, p in outs.items()}


def kv(table) -> dict:
    assert list(table.columns) == ["metric", "value"]
    return dict(zip(table["metric"], table["value"]))


NUMERIC = ["n_samples", "r", "r_cage_raw_sum", "r_finetuned", "r_finetuned_head", "mean_pred", "std_pred", "n_snv",
           "null_mean", "null_std", "n_null", "t", "p", "p_bh", "r_predixcan"]


def check_table(table, exp, rtol):
    assert list(table["gene_id"]) == list(exp["gene_id"]) == [GENES[0], *GENES[2:]]
    for c in ["gene_name", "chrom", "tss", "strand", "split", "significant", "xai"]:
        assert list(table[c]) == list(exp[c]), c
    for c in NUMERIC:
        np.testing.assert_allclose(table[c].to_numpy(float), exp[c].to_numpy(float), rtol=rtol, atol=1e-12, err_msg=c)


def test_gene_table_matches_the_independent_computation_with_the_default_config(world):
    """cfg {}: the defaults are the authors' (seed 1, 50 draws, sqrt(std/n), FDR 0.05, |r| > 0.2)."""
    root, paths, truth = world
    df, files = run(root, paths, "default", {})
    exp = expected(paths, truth)
    assert exp["significant"].sum() >= 2 and (~exp["significant"]).sum() >= 2  # both kinds of gene present
    assert (exp["t"] < 0).any()  # and a gene whose p is 1 by the one-sided rule
    check_table(df, exp, rtol=1e-9)
    check_table(files["stats"], exp, rtol=1e-5)  # written with 6 significant digits
    assert list(files["stats"].columns) == [
        "gene_id", "gene_name", "chrom", "tss", "strand", "split", "example", "n_samples", "r", "r_cage_raw_sum",
        "r_finetuned", "r_finetuned_head", "mean_pred", "std_pred", "n_snv", "null_mean", "null_std", "n_null",
        "t", "p", "p_bh", "significant", "xai", "r_predixcan"]


def test_gene_table_follows_every_config_value(world):
    root, paths, truth = world
    cfg = {"null_model": {"seed": 7, "n_draws": 13, "se_formula": "std_over_sqrt_n"}, "fdr": 0.3,
           "xai": {"abs_r_min": 0.88}}
    df, files = run(root, paths, "custom", cfg)
    exp = expected(paths, truth, seed=7, n_draws=13, se="std_over_sqrt_n", alpha=0.3, cut=0.88)
    check_table(df, exp, rtol=1e-9)
    g6 = exp.set_index("gene_id").loc[GENES[5]]
    assert g6["significant"] and 0.05 < g6["p_bh"]  # FDR 0.3 admits a gene FDR 0.05 would not
    assert list(exp["xai"]) == [True, False, False, False, False]  # |r| 0.90 passes the cut, 0.87 and 0.86 do not
    got = kv(files["sig"])
    assert (got["n_significant"], got["n_significant_abs_r"], got["n_significant_abs_r_positive"],
            got["n_significant_abs_r_negative"]) == (4, 1, 1, 0)


def test_xai_cut_is_strict(world, tmp_path):
    """A gene whose |r| equals abs_r_min exactly is not an XAI gene."""
    root, paths, _ = world
    df, _ = run(tmp_path, paths, "a", {})
    r1 = float(df.set_index("gene_id").loc[GENES[0], "r"])
    df, files = run(tmp_path, paths, "b", {"xai": {"abs_r_min": abs(r1)}})
    assert list(df.loc[df["significant"], "gene_id"]) == [GENES[0], GENES[2], GENES[4]]
    assert not df.set_index("gene_id").loc[GENES[0], "xai"]
    assert kv(files["sig"])["n_significant_abs_r_positive"] == 0


def test_summaries_individual_predictions_and_example_genotypes(world, caplog):
    root, paths, truth = world
    caplog.set_level(logging.INFO)
    df, files = run(root, paths, "summ", {}, finemapped=paths["finemapped"], log=logging.getLogger("gs"))
    exp = expected(paths, truth)
    assert list(df["finemapped"]) == [g == GENES[2] for g in exp["gene_id"]]

    sig, r = exp["significant"], exp["r"]
    want = {"n_genes": 5, "n_genes_with_r": 5, "mean_r": r.mean(), "n_significant": sig.sum(),
            "n_significant_negative": (sig & (r < 0)).sum(), "n_significant_positive": (sig & (r > 0)).sum(),
            "n_significant_abs_r": (sig & (r.abs() > 0.2)).sum(),
            "n_significant_abs_r_positive": (sig & (r > 0.2)).sum(),
            "n_significant_abs_r_negative": (sig & (r < -0.2)).sum()}
    for c in ("r_cage_raw_sum", "r_finetuned", "r_finetuned_head"):
        want[f"mean_{c}"] = exp[c].mean()
    for c in ("r_finetuned", "r_finetuned_head"):
        want[f"corr_{c}_r"] = np.corrcoef(exp["r"], exp[c])[0, 1]
    got = kv(files["sig"])
    assert list(got) == list(want)
    np.testing.assert_allclose([got[k] for k in want], [float(v) for v in want.values()], rtol=1e-5)

    has = exp["r_predixcan"].notna()
    rp, re_ = exp.loc[has, "r_predixcan"].to_numpy(), exp.loc[has, "r"].to_numpy()
    px = kv(files["px"])
    assert px["n_genes"] == 4 and px["n_predixcan_above"] == 2
    assert px["n_enformer_above"] == (re_ > 0.2).sum() and px["n_enformer_abs_above"] == (abs(re_) > 0.2).sum()
    np.testing.assert_allclose([px["mean_r_predixcan"], px["mean_r_enformer"], px["corr_predixcan_abs_enformer"]],
                               [rp.mean(), re_.mean(), np.corrcoef(rp, abs(re_))[0, 1]], rtol=1e-5)
    messages = [r.getMessage() for r in caplog.records if r.name == "gs"]
    assert [m.split(": ")[0] for m in messages] == ["significance", "PrediXcan comparison"]
    assert messages[0].startswith("significance: {'n_genes': 5, ") and messages[1].startswith(
        "PrediXcan comparison: {'n_genes': 4, ")
    # tables are written with 6 significant digits ("%.6g": tiny p-values as 1.23457e-10)
    raw = pd.read_csv(root / "summ_stats.tsv", sep="\t", dtype=str)
    for c in ("r", "p", "null_std"):
        assert list(raw[c]) == [f"{v:.6g}" for v in df[c]], c
    assert any("e-" in v for v in raw["p"])
    raw = pd.read_csv(root / "summ_ind.tsv", sep="\t", dtype=str)
    for c in ("observed", "predicted_finetuned_head"):
        assert list(raw[c]) == [f"{v:.6g}" for v in files["ind"][c]], c
    assert "1.5e-05" in set(raw["predicted_finetuned_head"])
    assert all(len(v.replace("-", "").replace(".", "").lstrip("0")) <= 6 for v in raw["predicted"])
    raw = pd.read_csv(root / "summ_eg.tsv", sep="\t", dtype=str)
    assert list(raw["frequency"]) == [f"{v:.6g}" for v in files["eg"]["frequency"]]
    assert any(len(v) == 8 for v in raw["frequency"])  # e.g. 0.333333: 6 digits, not 0.3333333333333333

    # examples: the significant gene of each sign with the largest t
    s = exp[exp["significant"]]
    pos = s[s["r"] > 0].sort_values("t")["gene_id"].iloc[-1]
    neg = s[s["r"] < 0].sort_values("t")["gene_id"].iloc[-1]
    ind = files["ind"]
    assert list(ind.columns) == ["gene_id", "role", "sample", "predicted", "observed", "predicted_finetuned",
                                 "predicted_finetuned_head"]
    assert list(ind.drop_duplicates("gene_id")[["gene_id", "role"]].itertuples(index=False, name=None)) == [
        (pos, "positive"), (neg, "negative")]
    preds = pd.concat([pd.read_csv(p, sep="\t") for p in paths["predictions"]])
    for g in (pos, neg):
        d = preds[preds["gene_id"] == g].set_index("sample")
        common = sorted(set(d.index) & set(EXPRESSED))
        part = ind[ind["gene_id"] == g]
        assert list(part["sample"]) == common
        np.testing.assert_allclose(part["predicted"], d.loc[common, "cage"], rtol=1e-5)
        np.testing.assert_allclose(part["predicted_finetuned_head"], d.loc[common, "finetuned_head"], rtol=1e-5)
        np.testing.assert_allclose(part["observed"], [truth["expr"][g][EXPRESSED.index(x)] for x in common], rtol=1e-5)

    # genotypes of the individuals with predictions (gene ...05 has none for S03): dosage columns in
    # chunk order, the first example's first, then the samples only the second example has
    eg = files["eg"]
    order = truth["order"]
    have = {g: [s for s in order if not (g == GENES[4] and s == "S03")] for g in (pos, neg)}
    extra = [s for s in have[neg] if s not in have[pos]]
    assert list(eg.columns) == ["gene_id", "role", "pos", "ref", "alt", "frequency", *have[pos], *extra]
    assert GENES[4] in (pos, neg) and len(eg.columns) == 6 + 32  # the S03 case is exercised
    for g, role in ((pos, "positive"), (neg, "negative")):
        part = eg[eg["gene_id"] == g]
        assert (part["role"] == role).all() and len(part) == N_SNV[g]
        dos = truth["dosage"][g][:, [order.index(s) for s in have[g]]]
        np.testing.assert_array_equal(part[have[g]].to_numpy(), dos)
        assert part[[s for s in order if s not in have[g]]].isna().all().all()
        np.testing.assert_allclose(part["frequency"], (dos > 0).mean(axis=1), rtol=1e-5)
        k = [i for i, c in enumerate(CHUNKS) if g in c][0]
        z = np.load(paths["genotypes"][k])
        a = sum(N_SNV[x] for x in CHUNKS[k][:CHUNKS[k].index(g)])
        assert list(part["pos"]) == list(z["pos"][a:a + N_SNV[g]])
        assert list(part["ref"]) == list(z["ref"][a:a + N_SNV[g]]) and list(part["alt"]) == list(z["alt"][a:a + N_SNV[g]])
    ind_n = ind.groupby("gene_id").size()
    assert ind_n[GENES[4]] == 29 and ind_n[GENES[2]] == 30


def test_a_named_example_gene_replaces_the_most_significant_one(world, tmp_path):
    """genes.tsv names the positive example: gene ...04, which is not significant (t < 0)."""
    root, paths, truth = world
    genes = pd.read_csv(paths["genes"], sep="\t", keep_default_na=False)
    genes.loc[genes["gene_id"] == GENES[3], "example"] = "positive"
    p = dict(paths, genes=tmp_path / "genes.tsv")
    genes.to_csv(p["genes"], sep="\t", index=False)
    df, files = run(tmp_path, p, "named", {})
    assert not df.set_index("gene_id").loc[GENES[3], "significant"]
    assert list(df["example"]) == ["", "", "positive", "", ""]
    ind, eg = files["ind"], files["eg"]
    assert list(ind.drop_duplicates("gene_id")[["gene_id", "role"]].itertuples(index=False, name=None)) == [
        (GENES[3], "positive"), (GENES[2], "negative")]
    assert list(eg.columns[6:]) == truth["order"] and list(eg["gene_id"].unique()) == [GENES[3], GENES[2]]
    np.testing.assert_array_equal(eg.loc[eg["gene_id"] == GENES[3], truth["order"]].to_numpy(), truth["dosage"][GENES[3]])


def test_one_prediction_table_for_every_chunk_gives_the_same_outputs(world):
    """A leaderboard card's single table (all genes) read once: identical to one table per chunk."""
    root, paths, _ = world
    a, fa = run(root, paths, "chunked", {})
    b, fb = run(root, paths, "single", {}, predictions=[paths["single"]])
    pd.testing.assert_frame_equal(a, b)
    for k in fa:
        pd.testing.assert_frame_equal(fa[k], fb[k])


def test_out_of_order_chunks_name_the_file_and_genes(world):
    root, paths, _ = world
    with pytest.raises(ValueError) as e:
        build_gene_stats(paths["genes"], paths["predictions"][::-1], paths["genotypes"][::-1], paths["expression"],
                         paths["predixcan"], root / "o1.tsv", root / "o2.tsv", root / "o3.tsv", root / "o4.tsv", {})
    assert str(e.value) == (f"{paths['genotypes'][0]}: gene {GENES[0]} after {GENES[5]}: "
                            "chunks must come in gene-id order")
    assert not any((root / f"o{i}.tsv").exists() for i in range(1, 5))


def test_prediction_chunks(tmp_path):
    tables = []
    for i in range(3):
        t = pd.DataFrame({"gene_id": [f"g{i}a", f"g{i}b"], "sample": "s", "cage": [i, i + 0.5]})
        t.to_csv(tmp_path / f"c{i}.tsv", sep="\t", index=False)
        tables.append(t)
    chunked = PredictionChunks([tmp_path / f"c{i}.tsv" for i in range(3)], 3)
    assert chunked.paths == [str(tmp_path / f"c{i}.tsv") for i in range(3)] and chunked.single is None
    for i in range(3):
        pd.testing.assert_frame_equal(chunked.chunk(i), tables[i])
        pd.testing.assert_frame_equal(chunked.chunk(i, {"ignored"}), tables[i])  # a chunk file is its genes
    one = PredictionChunks([tmp_path / "c1.tsv"], 1)  # one chunk, one table: read per call, not held
    assert one.single is None
    pd.testing.assert_frame_equal(one.chunk(0), tables[1])
    whole = pd.concat(tables, ignore_index=True)
    whole.to_csv(tmp_path / "all.tsv", sep="\t", index=False)
    single = PredictionChunks([tmp_path / "all.tsv"], 3)
    pd.testing.assert_frame_equal(single.single, whole)
    pd.testing.assert_frame_equal(single.chunk(2), whole)
    pd.testing.assert_frame_equal(single.chunk(0, ["g1b", "g2a"]), whole.iloc[[3, 4]])
    (tmp_path / "all.tsv").unlink()  # read once, at construction
    pd.testing.assert_frame_equal(single.chunk(1, {"g0a"}), whole.iloc[[0]])
    for paths, n in (([tmp_path / "c0.tsv", tmp_path / "c1.tsv"], 3), ([tmp_path / "c0.tsv"] * 3, 2), ([], 1)):
        with pytest.raises(ValueError) as e:
            PredictionChunks(paths, n)
        assert str(e.value) == f"{len(paths)} prediction tables for {n} genotype chunks"


def test_a_gene_in_two_chunks_is_refused(world, tmp_path):
    root, paths, truth = world
    chunks = [write_chunk(tmp_path / "a.npz", truth["dosage"], truth["order"], [GENES[0], GENES[2]]),
              write_chunk(tmp_path / "b.npz", truth["dosage"], truth["order"], [GENES[2], GENES[3]])]
    with pytest.raises(ValueError) as e:
        build_gene_stats(paths["genes"], [paths["single"]], chunks, paths["expression"], paths["predixcan"],
                         *(tmp_path / f"o{i}.tsv" for i in range(4)), {})
    assert str(e.value) == f"{chunks[1]}: gene {GENES[2]} after {GENES[2]}: chunks must come in gene-id order"


def test_a_chunk_without_expressed_individuals_is_an_input_error(world, tmp_path):
    root, paths, truth = world
    expr = pd.read_csv(paths["expression"], sep="\t")
    expr.columns = ["gene_id", *(f"Y{i}" for i in range(expr.shape[1] - 1))]  # no genotyped individual
    expr.to_csv(tmp_path / "expr.tsv", sep="\t", index=False)
    with pytest.raises(InputError) as e:
        build_gene_stats(paths["genes"], paths["predictions"], paths["genotypes"], tmp_path / "expr.tsv",
                         paths["predixcan"], *(tmp_path / f"o{i}.tsv" for i in range(4)), {})
    assert str(e.value) == (f"{paths['genotypes'][0]}: samples: expected individuals with observed expression in "
                            f"{tmp_path / 'expr.tsv'}, found none of its 32 individuals (first: {', '.join(truth['order'][:3])})")
    assert not any((tmp_path / f"o{i}.tsv").exists() for i in range(4))


def test_no_example_gene_no_example_column_and_no_finetuned_predictions(world, tmp_path):
    """Nothing significant (FDR 1e-300), genes.tsv without ``example``, predictions of ``cage`` only:
    the individual and genotype tables are written with their header only, and the summary says the
    fine-tuned correlation is NaN."""
    root, paths, truth = world
    pd.read_csv(paths["genes"], sep="\t").drop(columns=["example"]).to_csv(tmp_path / "genes.tsv", sep="\t",
                                                                          index=False)
    preds = []
    for i, f in enumerate(paths["predictions"]):
        preds.append(tmp_path / f"p{i}.tsv")
        pd.read_csv(f, sep="\t")[["gene_id", "sample", "cage"]].to_csv(preds[-1], sep="\t", index=False)
    p = dict(paths, genes=tmp_path / "genes.tsv", predictions=preds)
    df, files = run(tmp_path, p, "none", {"fdr": 1e-300})
    assert not df["significant"].any() and list(df["example"]) == [""] * 5
    assert [c for c in df.columns if c.startswith("r")] == ["r", "r_predixcan"]
    for k, cols in (("ind", ["gene_id", "role", "sample", "predicted", "observed"]),
                    ("eg", ["gene_id", "role", "pos", "ref", "alt", "frequency"])):
        assert list(files[k].columns) == cols and files[k].empty
    got = kv(files["sig"])
    assert list(got)[9:] == ["corr_r_finetuned_r"]  # after the 9 counts; no mean_r_<column> without such columns
    assert np.isnan(got["corr_r_finetuned_r"]) and got["n_significant"] == 0


def test_example_genes_need_a_sign():
    """A significant gene with r = 0 exactly is neither the positive nor the negative example."""
    t = pd.DataFrame({"gene_id": ["a", "b", "c"], "r": [0.0, 0.5, -0.4], "t": [9.0, 3.0, 2.0],
                      "significant": [True, True, True], "example": ["", "", ""]})
    assert example_genes(t) == {"positive": "b", "negative": "c"}
    assert example_genes(t.assign(r=[0.0, -0.5, 0.4])) == {"positive": "c", "negative": "b"}
