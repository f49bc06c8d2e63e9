"""The ENCODE resolver rules (acc_encode_bigwig / acc_encode_peaks / acc_encode_provenance):
the paper config dry-runs offline with one resolver job per file, and a real Snakemake run against
a fake ENCODE portal on 127.0.0.1 (tests/unit/test_encode_resolver.py) resolves, verifies and
records every file."""

from __future__ import annotations

import hashlib
import json
import re

import pandas as pd
import pytest
import yaml

from tests.unit import test_encode_resolver as fake

from .conftest import ROOT, run_snakemake


def _job_counts(out: str) -> dict[str, int]:
    stats = out[out.index("Job stats:"):]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", stats, re.M)}


@pytest.mark.slow
def test_paper_dry_run_has_one_resolver_job_per_encode_file():
    proc = run_snakemake("results/accessibility/encode_files.tsv", "-n", "--configfile", "config/paper.yaml",
                         "--workflow-profile", "none", "--profile", "profiles/slurm-gpu")
    out = proc.stdout + proc.stderr
    counts = _job_counts(out)
    # 15 cells x rep1 fold change + rep1 peaks, rep2 fold change for the 13 two-replicate experiments
    assert counts["acc_encode_bigwig"] == 28 and counts["acc_encode_peaks"] == 15
    assert counts["acc_encode_provenance"] == 1 and "download" not in counts
    assert "resources/downloads/accessibility/encode/Panc1.rep1.fc.bigWig.encode.json" in out
    paper = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
    assert not [k for k in paper["accessibility"]["downloads"] if k.startswith("accessibility/encode/")]
    assert "UNRESOLVED" not in (ROOT / "config" / "paper.yaml").read_text()


@pytest.mark.slow
def test_resolver_rules_against_a_fake_portal(http_server, tmp_path):
    fake.install_portal(http_server, fake.portal_files())
    cfg = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
    acc = cfg["accessibility"]
    enc_dir = tmp_path / "enc"
    acc["cells"] = ["CellA", "CellB"]
    acc["inputs"]["bigwig"] = f"{enc_dir}/{{cell}}.{{rep}}.fc.bigWig"
    acc["inputs"]["peaks"] = f"{enc_dir}/{{cell}}.rep1.idr_peaks.bed.gz"
    acc["encode"] = {
        "base_url": http_server.base,
        "retries": 0,
        "cells": {
            "CellA": {"experiment": fake.EXP},
            "CellB": {"experiment": fake.EXP, "pinned": {"fc_rep2": "ENCFF002FCB"}},
        },
    }
    work = tmp_path / "work"
    work.mkdir()
    cfg_path = tmp_path / "config.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg))
    run_snakemake("-s", str(ROOT / "Snakefile"), "--directory", str(work), "--configfile", str(cfg_path),
                  "--workflow-profile", "none", "results/accessibility/encode_files.tsv", cwd=work, timeout=600)
    assert (enc_dir / "CellA.rep1.fc.bigWig").read_bytes() == fake.GOOD_FC
    assert (enc_dir / "CellB.rep2.fc.bigWig").read_bytes() == fake.REP2_FC
    assert (enc_dir / "CellA.rep1.idr_peaks.bed.gz").read_bytes() == fake.GOOD_PEAKS
    rec = json.loads((enc_dir / "CellA.rep1.fc.bigWig.encode.json").read_text())
    assert rec["accession"] == "ENCFF001FCA" and rec["md5sum"] == hashlib.md5(fake.GOOD_FC).hexdigest()
    table = pd.read_csv(work / "results" / "accessibility" / "encode_files.tsv", sep="\t")
    assert table["label"].tolist() == ["CellA fc rep1", "CellA peaks rep1", "CellA fc rep2",
                                       "CellB fc rep1", "CellB peaks rep1", "CellB fc rep2"]
    assert table["accession"].tolist() == ["ENCFF001FCA", "ENCFF001PKA", "ENCFF002FCB"] * 2
    assert table["pinned"].tolist() == [False, False, False, False, False, True]
    n_searches = sum(http_server.state[p] for p in fake.searches(http_server))
    assert n_searches == 5 and http_server.state["/files/ENCFF002FCB/?format=json"] == 1  # pinned: no query
    assert (work / "logs" / "accessibility" / "encode" / "CellA.rep1.fc.log").exists()
