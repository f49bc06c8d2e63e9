"""Demo-run fixture: one `snakemake --cores 2 all` on the demo world per test session.

Integration tests assert on the files under results/ that this run leaves. Set
REGBENCH_SKIP_DEMO_RUN=1 to assert on an existing results/ tree without rerunning Snakemake.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def run_snakemake(*args: str, cwd: Path = ROOT, check: bool = True, timeout: int = 3600):
    cmd = [SNAKEMAKE, "--cores", "2", *args]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} failed ({proc.returncode})\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}"
        )
    return proc


@pytest.fixture(scope="session")
def demo_results() -> Path:
    """Run the whole demo DAG once; return the results/ folder."""
    if os.environ.get("REGBENCH_SKIP_DEMO_RUN") != "1":
        run_snakemake("all")
    return ROOT / "results"
