"""Summarise a mutmut run (``make mutate``): per-module counts and every surviving mutant.

Reads mutmut's result files under ``mutants/`` (``<module>.py.meta``: exit code per mutant) and
writes ``results/mutation/summary.tsv`` (module, mutants, killed, survived, no_tests, timeout,
other, not_run) and ``results/mutation/survivors.txt`` (each survivor's diff from ``mutmut
show``). Survivors named in ``docs/mutation.md`` (as equivalent mutants, with the reason) are
marked there; the rest are printed as open. Usage: ``python tests/mutation_report.py``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: mutmut status -> summary column
COLUMN = {"killed": "killed", "caught by type check": "killed", "survived": "survived", "no tests": "no_tests",
          "timeout": "timeout", "not checked": "not_run"}


def collect(mutants: Path = ROOT / "mutants") -> tuple[list[dict], list[str]]:
    from mutmut.stats import status_by_exit_code

    rows, survivors = [], []
    for meta in sorted(mutants.glob("regbench/**/*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if not codes:
            continue
        module = meta.relative_to(mutants).as_posix()[: -len(".meta")]
        row = {"module": module, "mutants": len(codes)}
        for k in ("killed", "survived", "no_tests", "timeout", "other", "not_run"):
            row[k] = 0
        for name, code in codes.items():
            status = COLUMN.get(status_by_exit_code[code], "other")
            row[status] += 1
            if status == "survived":
                survivors.append(name)
        rows.append(row)
    return rows, survivors


def documented_equivalents(doc: Path = ROOT / "docs" / "mutation.md") -> set[str]:
    """Mutant names listed in docs/mutation.md (backticked ``regbench....__mutmut_N``)."""
    if not doc.exists():
        return set()
    return set(re.findall(r"`(regbench\.[\w.]+__mutmut_\d+)`", doc.read_text()))


def main() -> int:
    rows, survivors = collect()
    if not rows:
        print("no mutmut results under mutants/: run `make mutate` first", file=sys.stderr)
        return 1
    out = ROOT / "results" / "mutation"
    out.mkdir(parents=True, exist_ok=True)
    cols = ["module", "mutants", "killed", "survived", "no_tests", "timeout", "other", "not_run"]
    lines = ["\t".join(cols)] + ["\t".join(str(r[c]) for c in cols) for r in rows]
    (out / "summary.tsv").write_text("\n".join(lines) + "\n")
    known = documented_equivalents()
    with open(out / "survivors.txt", "w") as fh:
        for name in survivors:
            diff = subprocess.run(["mutmut", "show", name], cwd=ROOT, capture_output=True, text=True).stdout
            fh.write(f"## {name}{' (equivalent, docs/mutation.md)' if name in known else ''}\n{diff}\n")
    print("\n".join(lines))
    open_ = [s for s in survivors if s not in known]
    print(f"\n{len(survivors)} surviving mutants, {len(survivors) - len(open_)} documented as equivalent, "
          f"{len(open_)} open (diffs in {out / 'survivors.txt'})")
    for s in open_:
        print("   open:", s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
