"""regbench.claims: declarations, measures and verdicts on small tables with known answers."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from regbench import claims as C

STUDIES = ["accessibility", "personal", "synthetic_loci", "dream"]


def _write(root: Path, rel: str, df: pd.DataFrame) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(p, sep="\t", index=False)


@pytest.fixture()
def root(tmp_path):
    _write(tmp_path, "summary/significance.tsv",
           pd.DataFrame({"metric": ["n_significant", "mean_r", "bad"], "value": [599, 0.26, "x"]}))
    _write(tmp_path, "scores.tsv", pd.DataFrame({
        "model": ["cnn", "rnn", "attn", "binary_a", "binary_b"],
        "kind": ["quant", "quant", "quant", "binary", "binary"],
        "r": [0.6, 0.7, 0.8, 0.3, 0.5],
        "better": [True, True, False, True, False],
    }))
    return tmp_path


def claim(**kw):
    base = {"id": "c", "statement": "s", "source": "src"}
    return C.parse_claim(base | kw, "test")


def test_metric_and_column_measures(root):
    cache = {}
    assert C.measure_value(C.Measure("summary/significance.tsv", metric="n_significant"), root, cache) == 599
    assert C.measure_value(C.Measure("scores.tsv", column="r", where="kind == 'quant'", reduce="mean"), root, cache) == pytest.approx(0.7)
    assert C.measure_value(C.Measure("scores.tsv", column="r", reduce="max"), root, cache) == pytest.approx(0.8)
    assert C.measure_value(C.Measure("scores.tsv", column="better", reduce="fraction"), root, cache) == pytest.approx(0.6)
    assert C.measure_value(C.Measure("scores.tsv", column="r", where="model == 'rnn'"), root, cache) == pytest.approx(0.7)
    assert C.measure_value(C.Measure("scores.tsv", reduce="rows", where="kind == 'binary'"), root, cache) == 2
    assert C.measure_value(C.Measure("scores.tsv", column="r", reduce="median"), root, cache) == pytest.approx(0.6)


@pytest.mark.parametrize("measure, reason", [
    (C.Measure("missing.tsv", metric="x"), "was not written"),
    (C.Measure("summary/significance.tsv", metric="nope"), "no metric 'nope'"),
    (C.Measure("summary/significance.tsv", metric="bad"), "not a finite number"),
    (C.Measure("scores.tsv", column="nope", reduce="mean"), "no column 'nope'"),
    (C.Measure("scores.tsv", column="r", where="kind == 'none'", reduce="mean"), "no rows"),
    (C.Measure("scores.tsv", column="r", where="kind == 'quant'"), "3 rows match"),
    (C.Measure("scores.tsv", column="r", where="nosuch > 1", reduce="mean"), "selection"),
])
def test_not_computable_says_why(root, measure, reason):
    with pytest.raises(C.NotComputable, match=reason):
        C.measure_value(measure, root, {})


def test_verdicts_each_comparison(root):
    rows = C.evaluate_claims([
        claim(id="within_ok", published=600, ours={"table": "summary/significance.tsv", "metric": "n_significant"},
              compare="within", tolerance=2),
        claim(id="within_bad", published=610, ours={"table": "summary/significance.tsv", "metric": "n_significant"},
              compare="within", tolerance=2),
        claim(id="within_rel", published=650, ours={"table": "summary/significance.tsv", "metric": "n_significant"},
              compare="within", tolerance=0.1, relative=True),
        claim(id="greater_ok", ours={"table": "scores.tsv", "column": "r", "where": "kind == 'quant'", "reduce": "mean"},
              versus={"table": "scores.tsv", "column": "r", "where": "kind == 'binary'", "reduce": "mean"}, compare="greater"),
        claim(id="less_bad", ours={"table": "scores.tsv", "column": "r", "where": "kind == 'quant'", "reduce": "mean"},
              versus={"table": "scores.tsv", "column": "r", "where": "kind == 'binary'", "reduce": "mean"}, compare="less"),
        claim(id="at_least", published=0.5, ours={"table": "scores.tsv", "column": "better", "reduce": "fraction"}, compare="at_least"),
        claim(id="at_most", published=0.5, ours={"table": "scores.tsv", "column": "better", "reduce": "fraction"}, compare="at_most"),
        claim(id="range", published=[0.2, 0.3], ours={"table": "summary/significance.tsv", "metric": "mean_r"}, compare="in_range"),
        claim(id="sign", published=-0.1, ours={"table": "summary/significance.tsv", "metric": "mean_r"}, compare="same_sign"),
        claim(id="missing", published=1, ours={"table": "none.tsv", "metric": "x"}, compare="at_least"),
    ], root, "personal")
    v = dict(zip(rows["claim"], rows["verdict"]))
    assert v == {"within_ok": "reproduced", "within_bad": "not reproduced", "within_rel": "reproduced",
                 "greater_ok": "reproduced", "less_bad": "not reproduced", "at_least": "reproduced",
                 "at_most": "not reproduced", "range": "reproduced", "sign": "not reproduced",
                 "missing": "not computable"}
    assert list(rows.columns) == C.COLUMNS
    assert rows.set_index("claim").loc["greater_ok", "versus"] == "0.4"
    assert "not written" in rows.set_index("claim").loc["missing", "reason"]


def test_requires_switch_makes_claim_not_computable(root):
    c = claim(published=1, ours={"table": "scores.tsv", "column": "r", "reduce": "max"}, compare="at_least",
              requires="personal.ensemble.enabled")
    off = {"personal": {"ensemble": {"enabled": False}}}
    on = {"personal": {"ensemble": {"enabled": True}}}
    assert C.claim_tables([c], off) == [] and C.claim_tables([c], on) == ["scores.tsv"]
    row = C.evaluate_claims([c], root, "personal", off).iloc[0]
    assert row["verdict"] == "not computable" and "personal.ensemble.enabled" in row["reason"]
    assert C.evaluate_claims([c], root, "personal", on).iloc[0]["verdict"] == "not reproduced"


@pytest.mark.parametrize("bad, msg", [
    ({"statement": "s", "source": "x", "ours": {"table": "t", "metric": "m"}, "compare": "within", "published": 1}, "tolerance"),
    ({"statement": "s", "source": "x", "ours": {"table": "t", "metric": "m"}, "compare": "bigger", "published": 1}, "compare"),
    ({"statement": "s", "source": "x", "ours": {"table": "t"}, "compare": "at_least", "published": 1}, "exactly one"),
    ({"statement": "s", "source": "x", "ours": {"table": "t", "metric": "m"}, "compare": "greater"}, "versus"),
    ({"statement": "s", "ours": {"table": "t", "metric": "m"}, "compare": "at_least", "published": 1}, "source"),
    ({"statement": "s", "source": "x", "ours": {"table": "t", "metric": "m"}, "compare": "at_least", "published": 1, "typo": 1}, "unknown"),
    ({"statement": "s", "source": "x", "ours": {"table": "t", "metric": "m"}, "compare": "in_range", "published": 1}, "low, high"),
])
def test_malformed_declaration_names_the_claim(bad, msg):
    with pytest.raises(ValueError, match=msg) as e:
        C.parse_claim({"id": "bad_claim"} | bad, "claims.yaml")
    assert "bad_claim" in str(e.value)


def test_duplicate_ids_rejected(tmp_path):
    p = tmp_path / "claims.yaml"
    one = {"id": "a", "statement": "s", "source": "x", "ours": {"table": "t", "metric": "m"}, "compare": "at_least", "published": 1}
    p.write_text(yaml.safe_dump({"demo": [one, one]}))
    with pytest.raises(ValueError, match="duplicate"):
        C.load_claims(p, "demo")


@pytest.mark.parametrize("study", STUDIES)
def test_every_study_declares_parseable_claims(study):
    path = C.study_claims_file(study)
    assert path.exists(), f"{path} missing"
    for which in ("paper", "demo"):
        claims = C.load_claims(path, which)
        for c in claims:
            assert c.justification or c.compare not in ("within", "in_range"), f"{study} {c.id}: tolerance without justification"


def test_rst_table_renders_without_docutils_warnings(root):
    from docutils.core import publish_parts

    df = C.evaluate_claims([claim(published=600, ours={"table": "summary/significance.tsv", "metric": "n_significant"},
                                  compare="within", tolerance=2, statement="a | b * c `d`")], root, "personal")
    html = publish_parts(C.rst_table(df), writer="html", settings_overrides={"report_level": 1})["html_body"]
    assert "System Message" not in html and "599" in html and "reproduced" in html


def test_front_page_shows_each_study_table_first(root, tmp_path):
    from docutils.core import publish_parts

    from regbench.reporting import write_front_page

    df = C.evaluate_claims([claim(published=600, ours={"table": "summary/significance.tsv", "metric": "n_significant"},
                                  compare="within", tolerance=2)], root, "personal")
    (tmp_path / "personal").mkdir()
    (tmp_path / "dream").mkdir()
    df.to_csv(tmp_path / "personal" / "published_vs_ours.tsv", sep="\t", index=False)
    df.iloc[:0].to_csv(tmp_path / "dream" / "published_vs_ours.tsv", sep="\t", index=False)
    intro = tmp_path / "intro.rst"
    intro.write_text("regbench report.\n")
    out = tmp_path / "front.rst"
    write_front_page(intro, [tmp_path / "personal" / "published_vs_ours.tsv", tmp_path / "dream" / "published_vs_ours.tsv"], out)
    text = out.read_text()
    assert text.index("Did it reproduce?") < text.index("Personal gene expression") < text.index("Random Promoter DREAM")
    assert "1 reproduced." in text and "no claims declared." in text
    html = publish_parts(text, writer="html", settings_overrides={"report_level": 1})["html_body"]
    assert "System Message" not in html and "n_significant" not in html.split("Did it reproduce?")[0]
