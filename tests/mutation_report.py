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


#: a backticked mutant name, full (``regbench.<module>.<function>__mutmut_N``) or without the
#: module (``<function>__mutmut_N``), or a short ``_N`` of the function named last, and an optional
#: range end (`` `_132`-`_136` `` or `` `_132` to `_136` ``)
_NAME = re.compile(r"`(?:(?:(regbench\.[\w.]+?)\.)?(x[\w\u01c1]+?)__mutmut_|_)(\d+)`(?:(?:-|\s+to\s+)`_(\d+)`)?")


def documented_equivalents(doc: Path = ROOT / "docs" / "mutation.md") -> set[str]:
    """Mutant names listed in docs/mutation.md: every backticked full name
    (``regbench....__mutmut_N``), and in the "Equivalent mutants" section, under each module's
    heading (``### regbench/genome/fasta.py``), the short forms its bullets use:
    ``xǁGenomeǁfetch__mutmut_71``, then `` `_72` ``, `` `_132`-`_136` `` or `` `_132` to `_136` `` for more mutants of the
    function named last (in that bullet or an earlier one of the section)."""
    if not doc.exists():
        return set()
    text = doc.read_text()
    names = set(re.findall(r"`(regbench\.[\w.]+__mutmut_\d+)`", text))
    _, found, section = text.partition("\n## Equivalent mutants")
    if not found:
        return names
    section = section.split("\n## ", 1)[0]
    for part in section.split("\n### ")[1:]:
        heading, _, body = part.partition("\n")
        if not re.fullmatch(r"regbench/[\w/]+\.py", heading.strip()):
            continue
        module = heading.strip()[: -len(".py")].replace("/", ".")
        function = None
        for m in _NAME.finditer(body):
            if m.group(2):
                module_, function = m.group(1) or module, m.group(2)
            if function is None:
                continue
            first = int(m.group(3))
            for n in range(first, int(m.group(4) or first) + 1):
                names.add(f"{module_}.{function}__mutmut_{n}")
    return names


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
