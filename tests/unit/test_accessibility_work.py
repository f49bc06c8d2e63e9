"""Paper-scale work counts of the accessibility jobs (issue 15): the forward passes of acc_evaluate,
the CPU work of acc_cagi_variants / acc_replicate_ceiling / acc_panel_SF2, the requests the
paper DAG makes from them and the rows of regbench.rehearsal.paper_scale built from the same
counts. Expected numbers are computed by hand in the docstrings."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from regbench.studies.accessibility import experiments as X

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def paper() -> dict:
    with open(ROOT / "config" / "paper.yaml") as fh:
        return yaml.safe_load(fh)["accessibility"]


def test_eval_forwards_by_hand(paper):
    """Per evaluation on the paper's sets: whole 69,800; peak 60,180 + 60,180; binary 2 x 60,180 +
    2 x 69,800; robustness 60,180 x 21; CAGI 18,442 x 2 x 11; occlusion 10,000 x 51; GIA 1,000 x
    (1 null + 1,024 + 256 + 256 flanks + 1,019 + 1,020 + 1,020 distances + 3 x 3 coop) = 4,605,000."""
    evs = ["whole", "tracks", "peak", "binary", "robustness", "cagi", "gia", "occlusion", "tomtom", "history"]
    f = X.eval_forwards(evs, paper["evaluation"], 2048)
    assert f == {"whole": 69_800, "tracks": 50, "peak": 120_360, "binary": 259_960, "robustness": 1_263_780,
                 "cagi": 405_724, "gia": 4_605_000, "occlusion": 510_000, "tomtom": 0, "history": 0}
    with pytest.raises(ValueError, match="no work count"):
        X.eval_forwards(["nope"], paper["evaluation"], 2048)


def test_gia_count_matches_the_experiment_code(paper):
    """The stdlib count equals what regbench.studies.accessibility.gia scans (expand_pattern,
    distance_positions), with and without a distance window."""
    from regbench.studies.accessibility.gia import distance_positions, expand_pattern

    for window in (None, 100):
        gia = dict(paper["evaluation"]["gia"], distance_window=window)
        pairs = gia["motif_pairs"]
        patterns = list(dict.fromkeys(p for pair in pairs for p in pair))
        emb = 1 + sum(len(expand_pattern(p)) for p in patterns)
        emb += sum(len(distance_positions(2048, len(p2), 2, 1024, len(p1), window)) + 3 for p1, p2 in pairs)
        assert X._gia_forwards(gia, 2048) == 1000 * emb


def test_eval_work_minutes_by_hand():
    """cnn_binary (0.36 GFLOP) on CAGI only: 405,724 x 0.36e9 / 2.01e13 = 7.267 s; + 600 s."""
    ecfg = {"cagi_shifts": 10}
    assert X.eval_work_minutes("cnn_binary", ["cagi"], ecfg, 2048) == pytest.approx((600 + 7.2667) / 60, rel=1e-4)
    with pytest.raises(ValueError, match="no FLOP count"):
        X.eval_work_minutes("nope", ["cagi"], ecfg, 2048)


def test_largest_eval_job_of_the_paper(paper):
    """new_models resbind32_all_exp (ResidualBind-32, 12.88 GFLOP) runs whole, peak, binary, CAGI,
    GIA and occlusion: 69,800 + 120,360 + 259,960 + 405,724 + 4,605,000 + 510,000 = 5,970,844
    forwards x 12.88e9 / 2.01e13 = 3,826.1 s; + 600 s = 73.77 min. paper_scale's row is that job."""
    from regbench.rehearsal.paper_scale import PAPER_SCALE

    job = X.largest_eval_job(paper)
    assert (job["experiment"], job["slug"]) == ("new_models", "resbind32_all_exp-coverage_3072-poisson-b32-rc_shift-s0")
    assert job["evaluations"] == ["whole", "peak", "binary", "cagi", "gia", "occlusion"]
    assert job["forwards"] == 5_970_844
    assert job["minutes"] == pytest.approx((600 + 3826.07) / 60, rel=1e-4)
    row = PAPER_SCALE["acc_evaluate"]
    assert row.time == "gpu" and row.gpu.items == job["forwards"] and row.gpu.flop_per_item == pytest.approx(12.88e9)
    assert row.gpu.minutes == pytest.approx(job["minutes"], rel=1e-9)


def test_cpu_work_of_the_paper(paper):
    """CAGI5 18,463 rows; replicate ceiling 69,800 windows x 13 cells with a rep2 (GM21381 and
    HG03575 have one replicate) = 907,400; SF2 1 occlusion model x 10,000 x 3 x 15 = 450,000 rows.
    Minutes = (60 + units x s per unit) / 60, e.g. the ceiling (60 + 907,400 x 2.5 / 9,000) / 60."""
    from regbench.rehearsal.paper_scale import PAPER_SCALE

    assert X.cpu_work("cagi_variants", paper) == (18_463, pytest.approx(4.59 / 6000))
    assert X.cpu_work("replicate_ceiling", paper)[0] == 907_400
    assert X.occlusion_rows(paper) == 450_000
    assert X.cpu_work_minutes("replicate_ceiling", paper) == pytest.approx((60 + 907_400 * 2.5 / 9000) / 60)
    for step in ("cagi_variants", "replicate_ceiling", "panel_SF2"):
        w = PAPER_SCALE[f"acc_{step}"].work
        assert w.minutes == pytest.approx(X.cpu_work_minutes(step, paper), rel=1e-9)
    assert PAPER_SCALE["acc_panel_SF2"].arrays_mb == pytest.approx(450_000 * 214 / 270_000)
    with pytest.raises(ValueError, match="no work count"):
        X.cpu_work("nope", paper)


def test_ceiling_cells_and_model_evaluations():
    cfg = {"cells": ["a", "b", "c"], "encode": {"cells": {"b": {"replicates": 1}}},
           "evaluations": {"e": ["whole", "tomtom", "gia"]}, "evaluation_models": {"gia": ["m1"]}}
    assert X.ceiling_cells(cfg) == ["a", "c"]
    assert X.ceiling_cells({"cells": ["a"], "encode": None}) == ["a"]
    assert X.model_evaluations(cfg, "e", "m1-x") == ["whole", "gia"]
    assert X.model_evaluations(cfg, "e", "m2-x") == ["whole"]


def test_paper_dag_requests_come_from_the_counts(paper, tmp_path):
    """The paper DAG (SLURM profile, as the rehearsal reads the requests): every acc_evaluate job
    asks max(10, ceil(eval_work_minutes)) of its model, the CPU steps max(10, ceil(cpu_work_minutes)),
    the other panels the profile's 60 min."""
    from regbench.rehearsal import driver

    try:
        jobs = driver.dry_run(ROOT, ["all"], [ROOT / "config/paper.yaml"], [], tmp_path / "w", dict(__import__("os").environ),
                              paper_profile=True)
    except driver.RehearsalError as e:  # no SLURM executor plugin in this environment
        pytest.skip(str(e)[:200])
    models = X.expand_experiments(paper)
    seen = 0
    for j in jobs:
        if j.rule == "acc_evaluate":
            exp, slug = Path(j.outputs[0]).parts[-3:-1]
            model = paper["architectures"][models[exp][slug]["arch"]]["model"]
            want = X.eval_work_minutes(model, X.model_evaluations(paper, exp, slug), paper["evaluation"], 2048)
            assert j.resources["runtime"] == max(10, math.ceil(want)), (exp, slug)
            seen += 1
        elif j.rule in ("acc_cagi_variants", "acc_replicate_ceiling", "acc_panel_SF2"):
            assert j.resources["runtime"] == max(10, math.ceil(X.cpu_work_minutes(j.rule[4:], paper)))
        elif j.rule.startswith("acc_panel_"):
            assert j.resources["runtime"] == 60
    assert seen > 100
    assert max(j.resources["runtime"] for j in jobs if j.rule == "acc_evaluate") == 74
