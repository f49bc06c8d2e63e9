"""Reference marks of the DREAM panels come from the study's claims (one place for the published
numbers)."""

import yaml

from regbench.claims import load_claims
from regbench.studies.dream.published import CLAIMS, reference_marks


def test_marks_are_the_within_claims(tmp_path):
    f = tmp_path / "claims.yaml"
    f.write_text(yaml.safe_dump({"paper": [
        {"id": "a", "statement": "s", "published": 0.5, "source": "x", "compare": "within", "tolerance": 0.1,
         "ours": {"table": "followups/drosophila.tsv", "column": "pearson", "where": "model == 'deepstarr' and task == 'Dev'"}},
        {"id": "b", "statement": "s", "published": "A > B", "source": "x", "compare": "greater",
         "ours": {"table": "summary.tsv", "column": "pearson_score", "where": "model == 'a'"},
         "versus": {"table": "summary.tsv", "column": "pearson_score", "where": "model == 'b'"}},
    ]}))
    assert reference_marks("drosophila", f) == [{"model": "deepstarr", "column": "Dev", "value": 0.5, "label": "s"}]
    assert reference_marks("summary", f) == []


def test_shipped_claims_parse_and_give_the_published_marks():
    assert len(load_claims(CLAIMS, "paper")) >= 19 and len(load_claims(CLAIMS, "demo")) >= 3
    summary = {(m["model"], m["column"]): m["value"] for m in reference_marks("summary")}
    assert summary == {("legnet", "pearson_score_public"): 0.829, ("legnet", "spearman_score_public"): 0.860}
    fly = {(m["model"], m["column"]): m["value"] for m in reference_marks("drosophila")}
    assert fly == {("deepstarr", "Dev"): 0.68, ("deepstarr", "Hk"): 0.74}
