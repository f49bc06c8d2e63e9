"""Figure file names (regbench.panels): unique across studies ignoring case, in the demo DAG and in
the paper DAG.

Snakemake's report makes each report() output's basename a reST link target of its front page,
and reST target names ignore case: accessibility's ED1a.png and personal's ed1a.png printed
"System Message: WARNING/2 ... Duplicate explicit target name" on the report. The DAG test lists
every output of a forced dry-run (every job, whatever is already built) and checks each figure
under results/figures/ follows the convention and no two share a basename in any case.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import link_card_files, snakemake_exe
from regbench.dagstats import dryrun_text, parse_dryrun
from regbench.panels import (
    basename_collisions,
    figure_path,
    figure_paths,
    panel_table,
    parse_figure_path,
)

ROOT = Path(__file__).resolve().parents[2]


def test_figure_and_table_paths():
    assert figure_paths("personal", "ed1a") == [
        "results/figures/personal/personal_ed1a.pdf",
        "results/figures/personal/personal_ed1a.png",
    ]
    assert panel_table("accessibility", "ED1a") == "results/accessibility/panels/ED1a.tsv"
    # the inverse, also for panel names holding the separator
    assert parse_figure_path("results/figures/synthetic_loci/synthetic_loci_error_per_fold.png") == (
        "synthetic_loci", "error_per_fold", "png")
    assert parse_figure_path(figure_path("dream", "prixfixe_pearson")) == ("dream", "prixfixe_pearson", "pdf")
    for bad in ("results/figures/personal/ed1a.pdf",  # no study prefix (the old names)
                "results/figures/personal/dream_ed1a.pdf",  # another study's prefix
                "results/figures/personal/personal_ed1a.svg",
                "results/personal/panels/ed1a.tsv"):
        assert parse_figure_path(bad) is None, bad
    with pytest.raises(ValueError, match="extension"):
        figure_path("personal", "ed1a", "svg")
    with pytest.raises(ValueError, match="without '/'"):
        figure_path("personal", "a/b")


def test_basename_collisions_ignore_case_and_directories():
    old = ["results/figures/accessibility/ED1a.png", "results/figures/personal/ed1a.png",
           "results/figures/personal/fig2a.png", "results/figures/accessibility/2a.png"]
    assert basename_collisions(old) == {
        "ed1a.png": ["results/figures/accessibility/ED1a.png", "results/figures/personal/ed1a.png"]}
    # the same path twice is one file, not a collision; the same basename in two folders is one
    assert basename_collisions(["a/x.png", "a/x.png"]) == {}
    assert basename_collisions(["a/x.png", "b/x.png"]) == {"x.png": ["a/x.png", "b/x.png"]}
    new = [p for s, panel in (("accessibility", "ED1a"), ("personal", "ed1a")) for p in figure_paths(s, panel)]
    assert basename_collisions(new) == {}


@pytest.fixture(scope="module", params=["config/config.yaml", "config/paper.yaml"], ids=["demo", "paper"])
def dag_figures(request, tmp_path_factory) -> list[str]:
    """Every output under results/figures/ of `all` in the demo / paper DAG (forced dry-run, in a
    temporary working directory: Snakemake's .snakemake/ state stays out of the repository)."""
    work = link_card_files(tmp_path_factory.mktemp("dryrun"))
    text = dryrun_text(snakemake_exe(), ["-s", str(ROOT / "Snakefile"), "--directory", str(work), "all", "--cores", "1",
                                      "--workflow-profile", "none", "--configfile", str(ROOT / request.param)], cwd=work)
    outputs = {o for job in parse_dryrun(text) for o in job.outputs}
    return sorted(o for o in outputs if o.startswith("results/figures/"))


def test_figure_basenames_unique_across_studies(dag_figures):
    assert len(dag_figures) > 100, len(dag_figures)
    assert basename_collisions(dag_figures) == {}
    off = [f for f in dag_figures if parse_figure_path(f) is None]
    assert not off, f"figures not named by regbench.panels.figure_path: {off}"
    # every study draws panels in both configurations (the demo and the paper run all four)
    assert {parse_figure_path(f)[0] for f in dag_figures} == {"accessibility", "personal", "synthetic_loci", "dream"}


def test_every_figure_has_its_caption(dag_figures):
    """`snakemake --report` stops at the first report() output whose caption file is missing
    (rules/common.smk caption(): report/<study>/<panel>.rst)."""
    missing = sorted({f"report/{study}/{panel}.rst" for study, panel, _ in map(parse_figure_path, dag_figures)
                      if not (ROOT / "report" / study / f"{panel}.rst").is_file()})
    assert not missing, f"captions missing: {missing}"
