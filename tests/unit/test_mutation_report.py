"""tests/mutation_report.py reads the equivalent mutants listed in docs/mutation.md, in the
notations the document uses (full names anywhere; short forms under a module's heading of the
"Equivalent mutants" section)."""

from __future__ import annotations

import sys

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "tests"))
from mutation_report import documented_equivalents  # noqa: E402

DOC = """# Mutation testing

## Results

Killed by a new test: `regbench.metrics.correlation.x_pearson__mutmut_90`; `x_tile__mutmut_3`, `_4`
(short forms outside the section name no module and are not read).

## Equivalent mutants

### regbench/genome/fasta.py

- `xǁGenomeǁfetch__mutmut_71`, `_72`, `_76`: the padding is "".
- `xǁGenomeǁfetch_array__mutmut_16`: `"ASCII"`; `reshape(-2, 2)` is not a mutant.

`read_windows` (prose between bullets):

- `_20` (the function named last above).

### regbench/genome/haplotypes.py

- `x__indel_haplotypes__mutmut_132`, `_134`-`_136`: unreachable; `_140` to `_141` too.
- `regbench.genome.variants.x_read_genotypes__mutmut_5`, `_7`: another module, named in full.

### Notes

- `_99`: not under a module heading.

## Later section

- `_100`
"""


def test_full_and_short_names_ranges_and_sections(tmp_path):
    doc = tmp_path / "mutation.md"
    doc.write_text(DOC)
    fasta = "regbench.genome.fasta.xǁGenomeǁfetch"
    hap = "regbench.genome.haplotypes.x__indel_haplotypes"
    assert documented_equivalents(doc) == {
        "regbench.metrics.correlation.x_pearson__mutmut_90",
        f"{fasta}__mutmut_71", f"{fasta}__mutmut_72", f"{fasta}__mutmut_76",
        f"{fasta}_array__mutmut_16", f"{fasta}_array__mutmut_20",
        f"{hap}__mutmut_132", f"{hap}__mutmut_134", f"{hap}__mutmut_135", f"{hap}__mutmut_136",
        f"{hap}__mutmut_140", f"{hap}__mutmut_141",
        "regbench.genome.variants.x_read_genotypes__mutmut_5", "regbench.genome.variants.x_read_genotypes__mutmut_7",
    }


def test_missing_document(tmp_path):
    assert documented_equivalents(tmp_path / "none.md") == set()


def test_the_project_document_lists_short_forms():
    """docs/mutation.md's genome sections use the short forms (e.g. fasta.py's `_72`)."""
    names = documented_equivalents()
    assert "regbench.genome.fasta.xǁGenomeǁfetch__mutmut_72" in names
    assert "regbench.genome.tracks.x_read_windows__mutmut_185" in names
