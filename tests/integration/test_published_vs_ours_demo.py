"""Issue 22 on the demo run: every study's published-vs-ours table holds one row per demo claim
of its claims.yaml, each planted truth comes out reproduced, and the report's front page shows
the four tables."""

from __future__ import annotations

import pandas as pd
import pytest

from regbench.claims import COLUMNS, load_claims, study_claims_file

pytestmark = [pytest.mark.slow, pytest.mark.demo]

STUDIES = ("accessibility", "personal", "synthetic_loci", "dream")


@pytest.mark.parametrize("study", STUDIES)
def test_demo_claims_reproduced(demo_results, study):
    claims = load_claims(study_claims_file(study), "demo")
    assert claims, f"{study}: no demo claims declared"
    table = pd.read_csv(demo_results / study / "published_vs_ours.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert list(table.columns) == COLUMNS
    assert sorted(table["claim"]) == sorted(c.id for c in claims)
    failed = table[table["verdict"] != "reproduced"]
    assert failed.empty, failed[["claim", "ours", "versus", "verdict", "reason"]].to_string()


def test_front_page_shows_every_table(demo_results):
    page = (demo_results / "report" / "front_page.rst").read_text()
    for study in STUDIES:
        for c in load_claims(study_claims_file(study), "demo"):
            assert c.id in page, f"{study} claim {c.id} missing from the front page"
