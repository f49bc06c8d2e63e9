"""Peak memory of the steps whose input grows with the data, at size N and 4N (issue: memory that
does not grow with the data).

Each study lists its steps in ``benchmarks/memory_<study>.py`` as ``STEPS = [(name, fn, n)]``:
``fn(n)`` runs the step's library function on generated inputs of size ``n`` (windows, sequences,
genes, ...) inside the current process. This harness runs every step in a fresh child process
at ``n`` and at ``4 n``, reads the child's peak resident set size from ``os.wait4``'s
``ru_maxrss``, and prints one row per step: N, RSS at N, RSS at 4N, their ratio, and the growth
in MB. A step that holds its whole input in memory shows a ratio near 4 once the data outweigh
the interpreter and its imports; each study chooses ``n`` so that they do (the docstring of its
step says by how much), so a ratio <= 1.25 means the step streams.

Last line: ``max_ratio=<float>``. Usage::

    python benchmarks/memory.py [--only SUBSTRING] [--factor 4]
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CHILD = """
import importlib, sys
sys.path.insert(0, {here!r}); sys.path.insert(0, {root!r})
mod = importlib.import_module({module!r})
fn = dict((s[0], s[1]) for s in mod.STEPS)[{name!r}]
fn({n})
"""


def step_modules() -> list[str]:
    return sorted(p.stem for p in HERE.glob("memory_*.py"))


def peak_rss_mb(module: str, name: str, n: int) -> tuple[float, float, float]:
    """(peak RSS in MB, wall seconds, CPU seconds) of one child process running step ``name`` at
    size ``n`` (CPU = user + sys: what the step costs whatever else shares the machine)."""
    code = CHILD.format(here=str(HERE), root=str(ROOT), module=module, name=name, n=n)
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    dt = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{module}:{name} n={n} failed (exit {proc.returncode}):\n{err[-2000:]}")
    return usage.ru_maxrss / 1024.0, dt, usage.ru_utime + usage.ru_stime  # ru_maxrss is in KiB on Linux


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="", help="run steps whose module:name contains this")
    ap.add_argument("--factor", type=int, default=4)
    args = ap.parse_args(argv)
    sys.path[:0] = [str(HERE), str(ROOT)]
    rows = []
    t_start = time.perf_counter()
    for module in step_modules():
        mod = importlib.import_module(module)
        for name, _fn, n in mod.STEPS:
            label = f"{module.removeprefix('memory_')}:{name}"
            if args.only and args.only not in label:
                continue
            rss1, t1, c1 = peak_rss_mb(module, name, n)
            rss4, t4, c4 = peak_rss_mb(module, name, n * args.factor)
            rows.append((label, n, rss1, rss4, rss4 / rss1, rss4 - rss1, t1 + t4))
            print(f"{label:45s} N={n:<9d} rss_N={rss1:9.1f} MB  rss_{args.factor}N={rss4:9.1f} MB  "
                  f"ratio={rss4 / rss1:5.3f}  growth={rss4 - rss1:8.1f} MB  ({t1 + t4:.1f} s wall, {c1 + c4:.1f} s CPU)",
                  flush=True)
    if not rows:
        print("no steps found (benchmarks/memory_<study>.py with STEPS)")
        return 1
    print(f"total wall {time.perf_counter() - t_start:.0f} s")
    print(f"max_ratio={max(r[4] for r in rows):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
