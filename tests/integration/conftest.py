"""Demo-run fixture: one `snakemake --cores 2 all` on the demo world per test session.

Integration tests assert on the files under results/ that this run leaves. Set
REGBENCH_SKIP_DEMO_RUN=1 to assert on an existing results/ tree without rerunning Snakemake.

With pytest-xdist (`make test` runs `pytest -n 2 --dist loadfile tests/integration`) each worker
has its own session: every Snakemake call in the repository's working directory goes through one
file lock (`root_workflow_lock`), so one worker runs the demo while the other waits, then finds
it done; a dry-run never sees the files of a running demo job as incomplete.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


@contextlib.contextmanager
def root_workflow_lock():
    """Hold the test sessions' lock on the repository's Snakemake working directory (blocks
    until the holder, e.g. another xdist worker's demo run, releases it)."""
    lock = ROOT / ".snakemake" / "regbench_tests.lock"
    lock.parent.mkdir(exist_ok=True)
    with open(lock, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def run_snakemake(*args: str, cwd: Path = ROOT, check: bool = True, timeout: int = 3600):
    cmd = [SNAKEMAKE, "--cores", "2", *args]
    with root_workflow_lock() if Path(cwd).resolve() == ROOT else contextlib.nullcontext():
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


def read_table(path: Path, columns: list[str], min_rows: int = 1, finite: list[str] = ()) -> "pd.DataFrame":
    """Read a TSV and check its content: the named columns are present, at least ``min_rows``
    rows, and every value of the ``finite`` columns is a finite number."""
    import numpy as np
    import pandas as pd

    assert path.exists(), f"missing demo output {path}"
    df = pd.read_csv(path, sep="\t")
    missing = [c for c in columns if c not in df.columns]
    assert not missing, f"{path}: columns {missing} missing (has {list(df.columns)})"
    assert len(df) >= min_rows, f"{path}: {len(df)} rows, expected >= {min_rows}"
    for c in finite:
        v = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float)
        assert np.isfinite(v).all(), f"{path}: column {c} has {int((~np.isfinite(v)).sum())} non-finite values"
    return df


def figure_ink(png: Path) -> dict:
    """Pixel summary of a PNG: size, number and fraction of coloured pixels (max - min channel
    > 0.15: data marks in colour; axes, ticks and text are black or grey) and dark fraction."""
    import matplotlib.image as mpimg

    img = mpimg.imread(png)[..., :3]
    spread = img.max(-1) - img.min(-1)
    return {"height": img.shape[0], "width": img.shape[1], "n_coloured": int((spread > 0.15).sum()),
            "coloured": float((spread > 0.15).mean()), "dark": float((img.min(-1) < 0.5).mean())}


def assert_figure_drawn(png: Path, min_coloured_pixels: int = 50) -> dict:
    """The panel has data drawn in it, not only axes or a "no data" note: measured on matplotlib
    figures of this project's style, empty axes and a text-only panel have 0 coloured pixels; the
    sparsest real demo panel (personal ed2a, a 4-point scatter) has 148. The PDF must exist."""
    assert png.exists(), f"missing figure {png}"
    assert png.with_suffix(".pdf").exists(), f"missing figure {png.with_suffix('.pdf')}"
    ink = figure_ink(png)
    assert ink["height"] >= 150 and ink["width"] >= 150, (png, ink)
    assert ink["n_coloured"] >= min_coloured_pixels, (png, ink)
    return ink
