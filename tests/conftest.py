"""Shared pytest fixtures: paths, the shared reference data folder, tool availability, a local
threaded HTTP server on 127.0.0.1 with per-test routes (downloader and ENCODE resolver tests)."""

from __future__ import annotations

import http.server
import os
import shutil
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: the shared reference data (read-only; tests only). CI lays shared/ beside the clone; a git
#: worktree or the mutation run's mutants/ copy points at it with REGBENCH_SHARED_DATA.
SHARED_DATA = Path(os.environ.get("REGBENCH_SHARED_DATA") or ROOT.parent / "shared" / "data")


#: mutmut sets MUTANT_UNDER_TEST in every run it makes (to "" for its clean run). A test that
#: reads regbench's source text would read mutmut's copy there, whose functions hold every mutant.
reads_source_text = pytest.mark.skipif(
    "MUTANT_UNDER_TEST" in os.environ, reason="reads regbench's source text: mutmut's copy holds the mutants")


def pin_torch_to_one_thread() -> None:
    """Keep torch on one thread in this process and its forks, whatever code under test asks.

    mutmut runs its traced test run in its own process, then forks one child per mutant. GNU
    libgomp's worker threads do not survive a fork: once the parent ran a torch op on 2+ threads,
    a child running one on 2+ threads waits forever at a team barrier (gdb on such a child:
    ``gomp_team_barrier_wait_end`` under a oneDNN convolution). ``OMP_NUM_THREADS=1`` is not
    enough, because code under test sets torch's threads itself (``regbench.workflow`` caps them at
    a job's threads), and ``OMP_THREAD_LIMIT=1`` is worse: oneDNN then plans a 1x1 convolution's
    weight gradient for the threads asked and spins forever waiting for the missing ones. numba
    (memelite's Tomtom) is capped too: its OpenMP pool, started with NUMBA_NUM_THREADS threads in
    the libgomp torch loaded, sets the thread count torch's next op uses.

    numba also runs on its ``workqueue`` threading layer here, not GNU OpenMP: numba's OpenMP
    layer remembers the process that started its pool, and a fork that runs a parallel region
    again (Tomtom in a mutant's tests, after mutmut's clean and traced runs ran it in the parent)
    prints "Terminating: fork() called from a process already using GNU OpenMP, this is unsafe."
    and raises SIGTERM on itself: mutmut's "suspicious" exit -15, with no verdict.
    """
    os.environ["NUMBA_NUM_THREADS"] = "1"  # numba's OpenMP pool would raise torch's threads again
    os.environ["NUMBA_THREADING_LAYER"] = "workqueue"  # fork-safe: no SIGTERM in mutmut's forks
    import numba  # noqa: F401  (loaded now, it keeps 1: regbench.workflow only sets it before numba loads)
    import torch

    set_num_threads = torch.set_num_threads
    set_num_threads(1)
    torch.set_num_threads = lambda n: set_num_threads(1)


#: a test that checks torch's thread count as code under test set it
sets_torch_threads = pytest.mark.skipif(
    "MUTANT_UNDER_TEST" in os.environ, reason="mutmut's processes keep torch on one thread (pin_torch_to_one_thread)")

if "MUTANT_UNDER_TEST" in os.environ:
    pin_torch_to_one_thread()


#: repository folders no test may write into: tests write under tmp_path (the integration demo run
#: writes results/<study>/, never these; the leaderboard test runs in a temporary working directory)
NO_TEST_WRITES = ("results/leaderboard",)


def demo_leaderboard_paths(root: Path = ROOT) -> tuple[str, ...]:
    """What the demo run itself writes under results/leaderboard/ (`all` builds the leaderboard, and
    `make test` runs the demo beside the unit tests): the page files at its top and one folder per
    model card of the demo config. The guard skips these; anything else there is a test's."""
    import yaml

    with open(root / "config" / "config.yaml") as fh:
        cards = (yaml.safe_load(fh) or {}).get("models") or {}
    return ("results/leaderboard/*", *(f"results/leaderboard/{name}/" for name in cards))


def tree_state(root: Path, tops, skip: tuple[str, ...] = ()) -> dict[str, int]:
    """Every file under the folders ``tops`` of ``root``: relative path -> modification time (ns).

    skip: paths left out, each a folder prefix ending in ``/`` or ``<folder>/*`` (the files directly
    in that folder, not its subfolders)."""
    folders = tuple(s for s in skip if s.endswith("/"))
    top_files = {s[:-2] for s in skip if s.endswith("/*")}
    state = {}
    for top in tops:
        for dirpath, _, files in os.walk(root / top):
            for f in files:
                p = Path(dirpath) / f
                rel = p.relative_to(root).as_posix()
                if rel.startswith(folders) or rel.rsplit("/", 1)[0] in top_files:
                    continue
                state[rel] = p.lstat().st_mtime_ns
    return state


def tree_changes(before: dict[str, int], after: dict[str, int]) -> str:
    """'' when two :func:`tree_state` snapshots agree, else the files created, removed, changed."""
    created = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(p for p in set(before) & set(after) if before[p] != after[p])
    if not (created or removed or changed):
        return ""
    return f"created {created[:20]}, removed {removed[:20]}, changed {changed[:20]}"


#: numpy's default floating-point error handling (``np.geterr()`` of a fresh interpreter)
NUMPY_ERROR_DEFAULTS = {"divide": "warn", "over": "warn", "under": "ignore", "invalid": "warn"}


@pytest.fixture(autouse=True)
def numpy_default_error_handling():
    """Every test starts with numpy's default error handling, whatever an earlier test or a library
    imported before left set (``import cyvcf2`` sets invalid to "ignore" for the process; regbench
    imports it through ``variants.import_cyvcf2``, tests/unit/test_genome_cyvcf2_import.py): the
    test order must not decide whether a 0/0 warns."""
    import numpy as np

    with np.errstate(**NUMPY_ERROR_DEFAULTS):
        yield


@pytest.fixture(scope="session", autouse=True)
def no_test_writes_in_guarded_folders():
    """Session teardown check: no test created, changed or removed a file under NO_TEST_WRITES but
    the demo run's own (:func:`demo_leaderboard_paths`; after ``make test``, results/leaderboard/
    once held pytest_* models of the leaderboard test)."""
    skip = demo_leaderboard_paths()
    before = tree_state(ROOT, NO_TEST_WRITES, skip)
    yield
    diff = tree_changes(before, tree_state(ROOT, NO_TEST_WRITES, skip))
    assert not diff, f"tests wrote into {NO_TEST_WRITES} of the repository (write under tmp_path): {diff}"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"reference data folder {SHARED_DATA} not present")
    return SHARED_DATA


def require_tool(name: str) -> str:
    """Path of the command-line tool ``name``, or skip the calling test naming the install step."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not installed (make apt installs it on Debian)")
    return path


def bgzip_index(path: Path, index: bool = True) -> Path:
    """bgzip ``path`` (a VCF) in place to ``<path>.gz`` and, with ``index``, tabix-index it."""
    import subprocess

    bgzip, tabix = require_tool("bgzip"), require_tool("tabix")
    subprocess.run([bgzip, "-f", str(path)], check=True)
    gz = path.with_name(path.name + ".gz")
    if index:
        subprocess.run([tabix, "-f", "-p", "vcf", str(gz)], check=True)
    return gz


def link_card_files(work: Path) -> Path:
    """Link the repository's examples/ into a temporary working directory: the demo config's model
    cards name their files relative to the working directory (examples/my_model.py), and `all`
    builds the leaderboard, so a run or dry-run of `all` in ``work`` needs them. Returns ``work``."""
    if not (work / "examples").exists():
        (work / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    return work


def snakemake_exe() -> str:
    """The snakemake of this interpreter's environment (else the one on PATH), or skip the test."""
    exe = Path(sys.executable).with_name("snakemake")
    path = str(exe) if exe.exists() else shutil.which("snakemake")
    if path is None:
        pytest.skip("snakemake not installed")
    return path


def encoded_yeast_world(d: Path, *, seed: int, n_train: int) -> Path:
    """A small DREAM yeast world in ``d`` (regbench.data.demo.dream.make_yeast: 20 random test
    sequences, 4 designed, 8 SNVs) with its training table encoded into ``d/store``; returns ``d``."""
    from regbench.data.demo.dream import make_yeast
    from regbench.studies.dream.store import encode_table

    make_yeast(d, seed=seed, n_train=n_train, n_random_test=20, n_designed=4, n_snv=8)
    encode_table(d / "train_sequences.txt", d / "store")
    return d


class RouteHandler(http.server.BaseHTTPRequestHandler):
    """Answers GET from ``routes``: full path with query first, then the path without it; a route is
    ``callable(handler, n)`` where ``n`` counts earlier requests of the same full path. Unknown
    paths get 404. ``state`` records request counts per full path and ``ranges`` (path, Range)."""

    routes: dict[str, Callable] = {}
    state: dict = {}

    def log_message(self, *a):
        pass

    def _count(self) -> int:
        n = self.state.get(self.path, 0)
        self.state[self.path] = n + 1
        self.state.setdefault("ranges", []).append((self.path, self.headers.get("Range")))
        return n

    def send_body(self, body: bytes, honour_range=True, truncate_to=None, status=None, content_type=None):
        """Send ``body`` (206 for a honoured Range request), optionally cut after ``truncate_to`` bytes."""
        rng = self.headers.get("Range") if honour_range else None
        start = int(rng.split("=")[1].split("-")[0]) if rng else 0
        if rng:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(status or 200)
        part = body[start:]
        self.send_header("Content-Length", str(len(part)))
        self.send_header("Accept-Ranges", "bytes")
        if content_type:
            self.send_header("Content-Type", content_type)
        self.end_headers()
        self.wfile.write(part if truncate_to is None else part[:truncate_to])
        self.wfile.flush()
        self.close_connection = True

    def do_GET(self):
        n = self._count()
        route = self.routes.get(self.path) or self.routes.get(self.path.split("?")[0])
        if route is None:
            return self.send_error(404, "not here")
        return route(self, n)


@dataclass
class LocalServer:
    base: str
    state: dict
    routes: dict = field(default_factory=dict)


@pytest.fixture()
def http_server():
    """A fresh server on 127.0.0.1 (random port); add routes to ``.routes`` before requesting."""
    RouteHandler.state = {}
    RouteHandler.routes = {}
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RouteHandler)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    t.start()
    yield LocalServer(f"http://127.0.0.1:{srv.server_port}", RouteHandler.state, RouteHandler.routes)
    srv.shutdown()
    srv.server_close()
