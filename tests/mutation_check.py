"""Which of the given mutants do the current tests kill? (triage after ``make mutate``)

``mutmut run <names>`` reruns mutants too, but only with the tests its traced run recorded and
never alongside another run. This script runs the test files you name against each mutant of
``mutants/`` (mutmut's trampolines pick the mutant from ``MUTANT_UNDER_TEST``), one forked
pytest per mutant after importing everything once, and prints ``killed``/``survived`` with the
first failing test. It only reads ``mutants/``, so it can run while ``make mutate`` works on
another group.

    python tests/mutation_check.py 'regbench.mod.x_f__mutmut_*' --tests tests/unit/test_x.py
    python tests/mutation_check.py --survivors 'regbench.mod.*' --tests tests/unit/test_x.py

Patterns are fnmatch globs over mutant names; ``--survivors`` keeps those mutmut recorded as
survived (or not yet run, or without tests). Exit status 0 when every mutant was killed.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
#: mutmut exit codes that mean "no test failed" (survived), "not checked" (None) or "no tests" (33)
OPEN_CODES = {0, None, 33}


def mutant_names(patterns: list[str], survivors_only: bool) -> list[str]:
    names = []
    for meta in sorted(MUTANTS.glob("regbench/**/*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        for name, code in codes.items():
            if any(fnmatch.fnmatchcase(name, p) for p in patterns) and (not survivors_only or code in OPEN_CODES):
                names.append(name)
    return names


def _run_one(name: str, tests: list[str]) -> tuple[bool, str]:
    """Fork; the child runs pytest with the mutant active and reports the first failing test."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        os.environ["MUTANT_UNDER_TEST"] = name
        failed: list[str] = []

        class FirstFailure:
            def pytest_runtest_logreport(self, report):
                if report.failed and not failed:
                    failed.append(report.nodeid)

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        import pytest

        code = int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *tests],
                               plugins=[FirstFailure()]))
        os.write(write_fd, (failed[0] if failed else f"exit code {code}").encode())
        os.close(write_fd)
        os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd) as fh:
        detail = fh.read()
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return code != 0, detail


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("patterns", nargs="+", help="mutant names or fnmatch globs")
    ap.add_argument("--tests", nargs="+", required=True, help="test files or node ids to run")
    ap.add_argument("--survivors", action="store_true", help="only mutants not recorded as killed")
    args = ap.parse_args(argv)
    if not MUTANTS.is_dir():
        print("no mutants/ directory: run `make mutate` first", file=sys.stderr)
        return 2
    names = mutant_names(args.patterns, args.survivors)
    if not names:
        print("no mutant matches", args.patterns, file=sys.stderr)
        return 2
    # the mutated copy first on the path, never the working tree's regbench
    os.environ.pop("PYTHONPATH", None)
    sys.path[:] = [str(MUTANTS)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT]
    os.chdir(ROOT)
    tests = [str((ROOT / t).resolve()) if "::" not in t else t for t in args.tests]
    import pytest  # noqa: F401  (imported once, before forking)

    import regbench  # noqa: F401

    assert Path(regbench.__file__).resolve().is_relative_to(MUTANTS), regbench.__file__
    open_ = 0
    for name in names:
        killed, detail = _run_one(name, tests)
        open_ += not killed
        print(f"{'killed  ' if killed else 'SURVIVED'} {name}  ({detail})", flush=True)
    print(f"{len(names)} mutants: {len(names) - open_} killed, {open_} survived")
    return 1 if open_ else 0


if __name__ == "__main__":
    sys.exit(main())
